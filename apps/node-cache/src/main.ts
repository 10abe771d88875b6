#!/usr/bin/env node
// The node cache: DNS on the node's link-local address (and the cluster DNS Service IP), cluster-zone
// misses to the answerer pool, other names to the node's resolvers; zone changes from the bus drop the
// names they touch at once, and no answer older than one given comes back (monotonic reads).
// First: re-executes with the node cache's V8 flags before anything else loads.
import './with-v8-flags.ts';
import { Counter } from 'prom-client';
import { loadServer, type CorefileError, type DnsServer } from '@halo/server';
import { ConfigFollower, sourceTimeOf, type EffectiveConfigV1 } from '@halo/bus';
import { RevisionFloor } from '@halo/cache';
import { configOrExit, onStop } from '@halo/cli';
import { cacheExit, createInterception, detectBackend, probe, type Interception } from '@halo/interception';
import { createLogger, createMetricsRegistry, ProgrammingLatency, startAdminServer, startTelemetry } from '@halo/telemetry';
import { cacheControl, type CacheControl } from './cache-control.ts';
import { readConfig, type HostPort } from './config.ts';
import { clusterZones, generateCorefile, PROBE_ZONE } from './corefile.ts';
import { startBusInvalidation } from './invalidation.ts';

const config = configOrExit(readConfig(process.argv.slice(2), process.env));
const telemetry = await startTelemetry({ serviceName: 'halo-node-cache', serviceInstanceId: config.instance });
const logger = createLogger('node-cache', { instance: config.instance });
const registry = createMetricsRegistry();
const invalidations = new Counter({ name: 'halo_node_cache_zone_changes_total', help: 'Zone changes heard from the bus.', registers: [registry] });
const dropped = new Counter({
  name: 'halo_node_cache_invalidated_entries_total',
  help: 'Cache entries dropped because a zone change touched them.',
  registers: [registry],
});
const programmingLatency = new ProgrammingLatency(registry);

async function fail(message: string): Promise<never> {
  logger.error({}, message);
  console.error(message);
  await cleanup();
  process.exit(1);
}

let stopService: (() => Promise<void>) | null = null;
let server: DnsServer | null = null;
let interception: Interception | null = null;

async function cleanup(): Promise<void> {
  // Rules first: traffic to the Service IP falls through to kube-proxy before the sockets close.
  if (interception && config.onExit === 'remove') await interception.removeRules();
  // A second instance on the same addresses (an upgrade) takes every new query while this one answers
  // what it has already received.
  await server?.drain();
  if (interception) {
    // Asked once this instance's sockets are closed: an answer now comes from another instance.
    const shared = { host: config.listen[0]?.host ?? '169.254.20.10', port, name: PROBE_ZONE, type: 'A' as const };
    const left = await cacheExit(interception, config.onExit, async () => (await probe(shared, 250)).answered);
    if (left.error) logger.error({ ...left }, 'cannot take the interception away on exit');
    else logger.info({ ...left }, 'the interception on exit');
  }
  await stopService?.();
}

const formatErrors = (errors: CorefileError[]) => errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('\n');

// The answerer pool: given, or the ready endpoints of a headless Service (then it changes at runtime and
// the Corefile is generated again and reloaded live).
let answerers: HostPort[] = config.answerers;
let onAnswerers: ((next: HostPort[]) => void) | null = null;
if (!config.corefile && config.answerersService) {
  const svc = config.answerersService;
  // Loaded only here: a node cache with given addresses needs no Kubernetes client at all.
  const { followAnswerersService } = await import('./answerers-service.ts');
  const follower = await followAnswerersService({
    ...svc,
    kubeServer: config.kubeServer,
    kubeconfig: config.kubeconfig,
    logger,
    onChange: (next) => {
      answerers = next;
      onAnswerers?.(next);
    },
  }).catch((err: unknown) => fail(`--answerers-service: ${err instanceof Error ? err.message : String(err)}`));
  stopService = follower.stop;
}
const port = config.listen[0]?.port ?? 53;
const ownCorefile = (): { text: string; file: string } =>
  config.corefile ?? {
    text: generateCorefile({
      zone: config.zone,
      answerers,
      tryTimeoutMs: config.tryTimeoutMs,
      forceTcp: config.forceTcp,
      upstreams: config.upstreams,
      resolvConf: config.resolvConf,
      port,
      spreadKey: config.instance,
    }),
    file: 'generated Corefile',
  };
const corefile = ownCorefile();

if (config.setupInterface) {
  const backend = config.iptables === 'auto' ? await detectBackend() : config.iptables;
  logger.info({ iptables: backend }, 'iptables back end');
  interception = createInterception({ interfaceName: config.interfaceName, addresses: [...new Set(config.listen.map((l) => l.host))], port }, { backend });
  const made = await interception.ensureInterface();
  if (!made.ok) await fail(made.error.message);
}

// One server on every address (the link-local one and the Service IP), so one cache serves them all.
// Two instances share the addresses (SO_REUSEPORT).
// Monotonic reads: every cluster-zone query asks the pool for at least the revision this holds for its
// name (raised by the changes heard and the answers taken), across reloads and reconnects.
const floor = new RevisionFloor({ zones: clusterZones(config.zone) });
const loaded = await loadServer(corefile.text, {
  file: corefile.file,
  context: { logger, metrics: registry, resolvConf: config.resolvConf, httpHost: config.adminHost, revisionFloor: floor },
  listen: config.listen,
  reusePort: true,
  traceQueries: telemetry.queryTracing,
});
const running = loaded.ok ? loaded.server : await fail(formatErrors(loaded.errors));
server = running;
const control: CacheControl = cacheControl(running);

// Only now that the sockets are bound does the node send its DNS here.
if (interception) {
  const ruled = await interception.addRules();
  if (!ruled.ok) await fail(ruled.error.message);
}

// The operators' fragments (KV halo-config, target node-cache) run after the node cache's own Corefile;
// the last good ones stay when the answerer pool changes. Reloads run one at a time, each composed when
// its turn comes, so a pool change never brings back fragments a later apply replaced.
let fragments = '';
let reloads: Promise<unknown> = Promise.resolve();
function reload(extra?: string): Promise<{ ok: true } | { ok: false; errors: CorefileError[] }> {
  const run = reloads.then(async () => {
    const candidate = extra ?? fragments;
    const result = await running.reload(`${ownCorefile().text}\n${candidate}`);
    // A reload makes new caches: they get the TTL caps in force (the bus may be down).
    control.sync();
    if (result.ok) fragments = candidate;
    return result;
  });
  reloads = run.catch(() => undefined);
  return run;
}
onAnswerers = (next) => {
  logger.info({ answerers: next }, 'answerer pool changed');
  void reload().then((result) => {
    if (!result.ok) logger.error({ error: formatErrors(result.errors) }, 'cannot apply the new answerer pool');
  });
};
// The pool may have changed while the server started.
if (ownCorefile().text !== corefile.text) onAnswerers(answerers);

const bus = startBusInvalidation({
  servers: config.nats,
  name: `halo-node-cache-${config.instance}`,
  credentials: config.bus,
  zones: clusterZones(config.zone),
  busDownTtl: config.busDownTtl,
  control,
  floor,
  logger,
  // Once the names are dropped, the next query asks the answerers, which apply the change in parallel
  // (and report their own latency): this is where the node cache's DNS programming latency ends. A
  // message without a trigger time (an older watcher) is not measured.
  onChange: (change, n) => {
    invalidations.inc();
    dropped.inc(n);
    const source = sourceTimeOf(change.triggerTime, Number.NaN);
    if (!Number.isNaN(source)) programmingLatency.observe(source);
  },
});
const admin =
  config.adminPort !== undefined
    ? await startAdminServer({ host: config.adminHost, port: config.adminPort, registry, logger, isReady: () => server !== null })
    : null;

const dns = running.addresses();
logger.info({ dns, answerers, corefile: corefile.file }, 'answering');
console.log(JSON.stringify({ ready: true, app: 'node-cache', instance: config.instance, dns, admin: admin?.port ?? null }));
let follower: ConfigFollower | null = null;
void bus.firstConnect.then(
  async (nc) => {
    console.log(JSON.stringify({ bus: 'connected' }));
    if (!nc || stop.stopping) return;
    follower = await ConfigFollower.open(nc, {
      target: 'node-cache',
      instance: config.instance,
      running: null,
      apply: async (effective: EffectiveConfigV1) => {
        const result = await reload(effective.corefile);
        if (!result.ok) {
          const error = formatErrors(result.errors).replaceAll('\n', '; ');
          logger.warn({ version: effective.version, error }, 'config refused; keeping the last good one');
          return { ok: false, error };
        }
        logger.info({ version: effective.version }, 'applied config');
        return { ok: true };
      },
      onInvalid: (error) => logger.warn({ error }, 'skipping an invalid config entry'),
      onWaiting: (bucket) => logger.info({ bucket }, 'waiting for the config service to create the bucket'),
      programmingLatency: () => programmingLatency.summary(),
    });
  },
  () => undefined,
);

const stop = onStop(async (signal) => {
  logger.info({ signal, onExit: interception ? config.onExit : null }, 'stopping');
  await follower?.close();
  await cleanup();
  await bus.close();
  await admin?.close();
  await telemetry.shutdown();
});
