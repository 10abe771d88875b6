// One answerer process: KV halo-zone in, DNS answers out, its fragments from KV halo-config.
import v8 from 'node:v8';
import vm from 'node:vm';
import { AggregatorRegistry, Counter } from 'prom-client';
import { ConfigFollower, connectBus, ZoneStore, type EffectiveConfigV1 } from '@halo/bus';
import { loadServer } from '@halo/server';
import { createLogger, createMetricsRegistry, ProgrammingLatency, startAdminServer, startTelemetry } from '@halo/telemetry';
import type { AnswererConfig } from './config.ts';

export interface RunOptions {
  /** Called once the zone is synced and DNS is bound. */
  onReady(info: { dns: { host: string; port: number; transport: string }[]; admin: number | null }): void;
  /** Serve the admin port here (a single process), or leave it to the primary (workers). */
  admin: boolean;
}

export async function runAnswerer(config: AnswererConfig, options: RunOptions): Promise<{ shutdown(signal: string): Promise<void> }> {
  const telemetry = await startTelemetry({ serviceName: 'halo-answerer', serviceInstanceId: config.instance });
  const logger = createLogger('answerer', { instance: config.instance });
  const registry = createMetricsRegistry();
  // A worker's metrics reach the primary's /metrics, which sums the workers.
  if (!options.admin) {
    AggregatorRegistry.setRegistries([registry]);
    // prom-client answers the primary's requests once an AggregatorRegistry exists in the worker.
    void new AggregatorRegistry();
  }
  const invalidEntries = new Counter({
    name: 'halo_answerer_invalid_zone_entries_total',
    help: 'KV entries skipped because they failed validation.',
    registers: [registry],
  });
  const applied = new Counter({ name: 'halo_answerer_zone_changes_total', help: 'Zone changes applied after the initial sync.', registers: [registry] });
  const programmingLatency = new ProgrammingLatency(registry);

  const nc = await connectBus({ servers: config.nats, name: `halo-answerer-${config.instance}`, ...config.bus });
  const store = await ZoneStore.open(nc, {
    onInvalid: (key, error) => {
      invalidEntries.inc();
      logger.warn({ key, error }, 'skipping an invalid zone entry');
    },
    // Answers go on from the copy held while the bucket is read again.
    onReset: (reason) => logger.warn({ reason }, 'the zone bucket changed; reading it again'),
    onWatchResumed: (revision) => logger.warn({ revision }, 'the zone watch stalled (its NATS server went away); resumed after the last revision applied'),
    onWaiting: () => logger.info('waiting for the watcher to create the zone bucket'),
  });

  let ready = false;
  const admin = options.admin ? await startAdminServer({ host: config.adminHost, port: config.adminPort, registry, logger, isReady: () => ready }) : null;

  // No answer before the zone is complete: the bucket's snapshot is in and holds the watcher's marker
  // of a complete sync. A bucket still being written (a cold start) would answer NXDOMAIN for every
  // name not written yet, and a cache in front would keep that denial.
  await store.whenSynced;
  if (!store.complete) {
    logger.info({ records: store.size }, 'waiting for the watcher to complete the zone');
    const progress = setInterval(() => logger.info({ records: store.size }, 'still waiting for a complete zone'), 10_000);
    await store.whenComplete;
    clearInterval(progress);
  }
  fullGc();

  // The operators' fragments (KV halo-config) run after this instance's own Corefile; the last good ones
  // are in the bucket, so a restart comes back on them even while the config service is down. No
  // fragments (the config service's first version) leave the own Corefile as it is.
  const compose = (effective: EffectiveConfigV1 | null) =>
    effective && effective.corefile.trim() !== '' ? `${config.corefile.text}\n${effective.corefile}` : config.corefile.text;
  const formatErrors = (errors: { file: string; line: number; column: number; message: string }[]) =>
    errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('; ');
  // nsAddresses: what the kubernetes plugin answers for ns.dns.<zone> (ServerContext.nsAddresses).
  // httpHost: the Corefile's health, ready and prometheus bind --admin-host when they name no host.
  // A worker's `prometheus` (port 9153) serves the sum over every worker, as the primary's admin port does.
  const metricsText = options.admin ? undefined : primaryMetrics();
  const context = { recordSets: store, logger, metrics: registry, nsAddresses: config.nsAddresses, httpHost: config.adminHost, metricsText };
  // revisions: a node cache's query that asks for a zone revision this process has not reached waits
  // for it a moment, or is refused so that the cache asks another answerer (monotonic reads).
  const load = (text: string) =>
    loadServer(text, {
      file: config.corefile.file,
      context,
      listen: config.ownListen && config.listen ? [config.listen, config.ownListen] : config.listen,
      reusePort: true,
      traceQueries: telemetry.queryTracing,
      revisions: store,
    });
  let running = await ConfigFollower.read(nc, 'answerer');
  let loaded = await load(compose(running));
  if (!loaded.ok && running) {
    logger.error(
      { version: running.version, errors: formatErrors(loaded.errors) },
      'the stored fragments do not load here; starting on the own Corefile alone',
    );
    running = null;
    loaded = await load(compose(null));
  }
  if (!loaded.ok) {
    console.error(formatErrors(loaded.errors));
    process.exit(2);
  }
  const server = loaded.server;
  fullGc();
  const follower = await ConfigFollower.open(nc, {
    target: 'answerer',
    instance: config.instance,
    running,
    apply: async (effective) => {
      // A version that leaves the Corefile as it is (the config service's first) changes nothing: the
      // server keeps its chains, caches and zone index.
      const result = await server.reload(compose(effective));
      if (result.ok) logger.info({ version: effective.version }, 'applied config');
      else logger.warn({ version: effective.version, errors: formatErrors(result.errors) }, 'config refused; keeping the last good one');
      return result.ok ? { ok: true } : { ok: false, error: formatErrors(result.errors) };
    },
    onInvalid: (error) => logger.warn({ error }, 'skipping an invalid config entry'),
    onWaiting: (bucket) => logger.info({ bucket }, 'waiting for the config service to create the bucket; running the own Corefile meanwhile'),
    programmingLatency: () => programmingLatency.summary(),
  });

  // The kubernetes plugin updates its index and drops the pre-encoded and cached answers of the names a
  // change touched in this same synchronous turn (and in the change's trace): the next query is answered
  // with the change, so this is where the instance's DNS programming latency ends.
  store.subscribe((_key, _recordSet, update) => {
    if (update.initial) return;
    applied.inc();
    programmingLatency.observe(update.sourceTime);
  });

  ready = true;
  logger.info({ records: store.size, completeAt: store.marker?.revision, dns: server.addresses(), admin: admin?.port ?? null }, 'zone complete; answering');
  options.onReady({ dns: server.addresses(), admin: admin?.port ?? null });

  let stopping = false;
  return {
    async shutdown(signal: string) {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      await follower.close();
      // The other workers sharing the port take every new query while this one answers what it has.
      await server.drain();
      await store.close();
      await nc.drain().catch(() => undefined);
      await admin?.close();
      await telemetry.shutdown();
    },
  };
}

/** The metrics of every worker, summed by the primary (main.ts), asked for over the IPC channel. */
function primaryMetrics(): () => Promise<{ contentType: string; body: string }> {
  let last = 0;
  const waiting = new Map<number, (reply: { contentType: string; body: string } | Error) => void>();
  process.on('message', (message: { type?: unknown; id?: unknown; contentType?: unknown; body?: unknown; error?: unknown }) => {
    if (message?.type !== 'metrics' || typeof message.id !== 'number') return;
    const done = waiting.get(message.id);
    waiting.delete(message.id);
    if (typeof message.body === 'string' && typeof message.contentType === 'string') done?.({ contentType: message.contentType, body: message.body });
    else done?.(new Error(`the primary could not sum the workers' metrics: ${String(message.error)}`));
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = ++last;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error("the primary did not send the workers' metrics within 10 s"));
      }, 10_000);
      waiting.set(id, (reply) => {
        clearTimeout(timer);
        if (reply instanceof Error) reject(reply);
        else resolve(reply);
      });
      process.send?.({ type: 'metrics', id });
    });
}

/**
 * A full collection between the zone sync and the index build, and after it: the garbage of decoding
 * 10 000 record sets is gone before the index is built, so the heap (and the answerer's peak memory)
 * never holds both. Twice at start, never while answering.
 */
function fullGc(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = vm.runInNewContext('gc');
  if (typeof gc === 'function') gc();
}
