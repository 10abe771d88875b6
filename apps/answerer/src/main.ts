#!/usr/bin/env node
// The answerer: KV halo-zone in, DNS answers out, on UDP and TCP, as one of a stateless pool.
import { Counter } from 'prom-client';
import { ConfigFollower, connectBus, ZoneStore, type EffectiveConfigV1 } from '@halo/bus';
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

// The operators' fragments (KV halo-config) run after this instance's own Corefile; the last good ones
// are in the bucket, so a restart comes back on them even while the config service is down.
const compose = (effective: EffectiveConfigV1 | null) => (effective ? `${config.corefile.text}\n${effective.corefile}` : config.corefile.text);
const formatErrors = (errors: { file: string; line: number; column: number; message: string }[]) => errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('; ');
const load = (text: string) => loadServer(text, { file: config.corefile.file, context: { recordSets: store, logger, metrics: registry }, listen: config.listen, reusePort: true });
let running = await ConfigFollower.read(nc, 'answerer');
let loaded = await load(compose(running));
if (!loaded.ok && running) {
  logger.error({ version: running.version, errors: formatErrors(loaded.errors) }, 'the stored fragments do not load here; starting on the own Corefile alone');
  running = null;
  loaded = await load(compose(null));
}
if (!loaded.ok) {
  console.error(formatErrors(loaded.errors));
  process.exit(2);
}
const server = loaded.server;
const follower = await ConfigFollower.open(nc, {
  target: 'answerer',
  instance: config.instance,
  running,
  apply: async (effective) => {
    const result = await server.reload(compose(effective));
    if (result.ok) logger.info({ version: effective.version }, 'applied config');
    else logger.warn({ version: effective.version, errors: formatErrors(result.errors) }, 'config refused; keeping the last good one');
    return result.ok ? { ok: true } : { ok: false, error: formatErrors(result.errors) };
  },
  onInvalid: (error) => logger.warn({ error }, 'skipping an invalid config entry'),
});

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
  await follower.close();
  await server.close();
  await store.close();
  await nc.drain().catch(() => undefined);
  await admin.close();
  await telemetry.shutdown();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
