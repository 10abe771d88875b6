#!/usr/bin/env node
// The answerer: KV halo-zone in, DNS answers out, on UDP and TCP, as one of a stateless pool.
import { Counter } from 'prom-client';
import { connectBus, ZoneStore } from '@halo/bus';
import { loadServer, validateCorefile } from '@halo/server';
import { createLogger, createMetricsRegistry, startAdminServer, startTelemetry } from '@halo/telemetry';
import { defaultZoneOptions, namesOf } from '@halo/zone';
import { readConfig } from './config.ts';

const parsed = readConfig(process.argv.slice(2), process.env);
if (!parsed.ok) {
  console.error(parsed.message);
  process.exit(2);
}
const config = parsed.config;
const corefileErrors = validateCorefile(config.corefile.text, config.corefile.file);
if (corefileErrors.length > 0) {
  for (const e of corefileErrors) console.error(`${e.file}:${e.line}:${e.column}: ${e.message}`);
  process.exit(2);
}
const telemetry = await startTelemetry({ serviceName: 'halo-answerer', serviceInstanceId: config.instance });
const logger = createLogger('answerer', { instance: config.instance });
const registry = createMetricsRegistry();
const invalidEntries = new Counter({ name: 'halo_answerer_invalid_zone_entries_total', help: 'KV entries skipped because they failed validation.', registers: [registry] });
const applied = new Counter({ name: 'halo_answerer_zone_changes_total', help: 'Zone changes applied after the initial sync.', registers: [registry] });

const nc = await connectBus({ servers: config.nats, name: `halo-answerer-${config.instance}` });
const store = await ZoneStore.open(nc, {
  onInvalid: (key, error) => {
    invalidEntries.inc();
    logger.warn({ key, error }, 'skipping an invalid zone entry');
  },
});

let ready = false;
const admin = await startAdminServer({ host: config.adminHost, port: config.adminPort, registry, logger, isReady: () => ready });

// No answer before the whole zone is in: an empty index would answer NXDOMAIN for every name.
await store.whenSynced;
const loaded = await loadServer(config.corefile.text, {
  file: config.corefile.file,
  context: { recordSets: store, logger, metrics: registry },
  listen: config.listen,
  reusePort: true,
});
if (!loaded.ok) {
  for (const e of loaded.errors) console.error(`${e.file}:${e.line}:${e.column}: ${e.message}`);
  process.exit(2);
}
const server = loaded.server;

// The names a change touched lose their pre-encoded answers (the store runs this in the change's trace).
const zoneOptions = defaultZoneOptions({ zones: [config.zone, 'in-addr.arpa', 'ip6.arpa'], endpointPodNames: true });
store.subscribe((_key, recordSet, update) => {
  if (update.initial) return;
  server.invalidate([...(update.previous ? namesOf(update.previous, zoneOptions) : []), ...(recordSet ? namesOf(recordSet, zoneOptions) : [])]);
  applied.inc();
});

ready = true;
logger.info({ records: store.size, dns: server.addresses(), admin: admin.port }, 'zone synced; answering');
console.log(JSON.stringify({ ready: true, app: 'answerer', instance: config.instance, dns: server.addresses(), admin: admin.port }));

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  await server.close();
  await store.close();
  await nc.drain().catch(() => undefined);
  await admin.close();
  await telemetry.shutdown();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
