#!/usr/bin/env node
// The node cache: DNS on the node's link-local address (and the cluster DNS Service IP), cluster-zone
// misses to the answerer pool, other names to the node's resolvers; zone changes from the bus drop the
// names they touch at once.
import { Counter } from 'prom-client';
import { loadServer, type DnsServer } from '@halo/server';
import { ConfigFollower, type EffectiveConfigV1 } from '@halo/bus';
import { createInterception, type Interception } from '@halo/interception';
import { createLogger, createMetricsRegistry, startAdminServer, startTelemetry } from '@halo/telemetry';
import { followAnswerersService } from './answerers-service.ts';
import { cacheControl } from './cache-control.ts';
import { readConfig } from './config.ts';
import { clusterZones, generateCorefile } from './corefile.ts';
import { startBusInvalidation } from './invalidation.ts';
import { startPoolRelay, type PoolRelay } from './pool-relay.ts';

const parsed = readConfig(process.argv.slice(2), process.env);
if (!parsed.ok) {
  console.error(parsed.message);
  process.exit(2);
}
const config = parsed.config;
const telemetry = await startTelemetry({ serviceName: 'halo-node-cache', serviceInstanceId: config.instance });
const logger = createLogger('node-cache', { instance: config.instance });
const registry = createMetricsRegistry();
const invalidations = new Counter({ name: 'halo_node_cache_zone_changes_total', help: 'Zone changes heard from the bus.', registers: [registry] });
const dropped = new Counter({ name: 'halo_node_cache_invalidated_entries_total', help: 'Cache entries dropped because a zone change touched them.', registers: [registry] });
const control = cacheControl();

async function fail(message: string): Promise<never> {
  logger.error({}, message);
  console.error(message);
  await cleanup();
  process.exit(1);
}

let relay: PoolRelay | null = null;
let stopService: (() => Promise<void>) | null = null;
const servers: DnsServer[] = [];
let interception: Interception | null = null;

async function cleanup(): Promise<void> {
  // Rules first: traffic to the Service IP falls through to kube-proxy before the sockets close.
  if (interception && !config.skipTeardown) await interception.removeRules();
  for (const s of servers) await s.close();
  if (interception && !config.skipTeardown) await interception.tearDown();
  await relay?.close();
  await stopService?.();
}

if (!config.corefile) {
  relay = await startPoolRelay({ answerers: config.answerers, tryTimeoutMs: config.tryTimeoutMs, deadlineMs: config.poolDeadlineMs, forceTcp: config.forceTcp });
  if (config.answerersService) {
    const svc = config.answerersService;
    const r = relay;
    const follower = await followAnswerersService({
      ...svc,
      kubeServer: config.kubeServer,
      kubeconfig: config.kubeconfig,
      logger,
      onChange: (answerers) => {
        r.setAnswerers(answerers);
        logger.info({ answerers }, 'answerer pool changed');
      },
    }).catch((err: unknown) => fail(`--answerers-service: ${err instanceof Error ? err.message : String(err)}`));
    stopService = follower.stop;
  }
}
const corefile = config.corefile ?? {
  text: generateCorefile({ zone: config.zone, pool: { host: '127.0.0.1', port: relay?.port ?? 0 }, upstreams: config.upstreams, resolvConf: config.resolvConf, port: config.listen[0]?.port ?? 53 }),
  file: 'generated Corefile',
};

if (config.setupInterface) {
  interception = createInterception({ interfaceName: config.interfaceName, addresses: [...new Set(config.listen.map((l) => l.host))], port: config.listen[0]?.port ?? 53 });
  const made = await interception.ensureInterface();
  if (!made.ok) await fail(made.error.message);
}

// One server per address: the server binds one address per load. Two instances share them (SO_REUSEPORT).
for (const listen of config.listen) {
  const loaded = await loadServer(corefile.text, { file: corefile.file, context: { logger, metrics: registry, resolvConf: config.resolvConf }, listen, reusePort: true });
  if (!loaded.ok) await fail(loaded.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('\n'));
  else servers.push(loaded.server);
}

// Only now that the sockets are bound does the node send its DNS here.
if (interception) {
  const ruled = await interception.addRules();
  if (!ruled.ok) await fail(ruled.error.message);
}

const bus = startBusInvalidation({
  servers: config.nats,
  name: `halo-node-cache-${config.instance}`,
  zones: clusterZones(config.zone),
  busDownTtl: config.busDownTtl,
  control,
  logger,
  onChange: (_change, n) => {
    invalidations.inc();
    dropped.inc(n);
  },
});
const admin = config.adminPort !== undefined ? await startAdminServer({ host: config.adminHost, port: config.adminPort, registry, logger, isReady: () => servers.length > 0 }) : null;

const dns = servers.flatMap((s) => s.addresses());
logger.info({ dns, pool: relay?.status(), corefile: corefile.file }, 'answering');
console.log(JSON.stringify({ ready: true, app: 'node-cache', instance: config.instance, dns, admin: admin?.port ?? null, relay: relay?.port ?? null }));
// The operators' fragments (KV halo-config, target node-cache) run after the node cache's own Corefile,
// applied live on every server; the bucket keeps the last good ones for a restart.
const compose = (effective: EffectiveConfigV1) => `${corefile.text}\n${effective.corefile}`;
let follower: ConfigFollower | null = null;
void bus.firstConnect.then(
  async (nc) => {
    console.log(JSON.stringify({ bus: 'connected' }));
    if (!nc || stopping) return;
    follower = await ConfigFollower.open(nc, {
      target: 'node-cache',
      instance: config.instance,
      running: null,
      apply: async (effective) => {
        for (const server of servers) {
          const result = await server.reload(compose(effective));
          if (!result.ok) {
            const error = result.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('; ');
            logger.warn({ version: effective.version, error }, 'config refused; keeping the last good one');
            return { ok: false, error };
          }
        }
        logger.info({ version: effective.version }, 'applied config');
        return { ok: true };
      },
      onInvalid: (error) => logger.warn({ error }, 'skipping an invalid config entry'),
    });
  },
  () => undefined,
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, teardown: interception !== null && !config.skipTeardown }, 'stopping');
  await follower?.close();
  await cleanup();
  await bus.close();
  await admin?.close();
  await telemetry.shutdown();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
