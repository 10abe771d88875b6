#!/usr/bin/env node
// The config service: Corefile fragments in (REST API, ConfigMaps), validated whole, out to KV halo-config.
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { buckets, connectBus, ensureBucket, FragmentStore, listInstanceStatus } from '@halo/bus';
import { configOrExit, onStop } from '@halo/cli';
import { createInformer, loadKubeConfig } from '@halo/kube';
import { createLogger, createMetricsRegistry, startAdminServer, startTelemetry } from '@halo/telemetry';
import { buildApp } from './app.ts';
import { CommitLock } from './commit-lock.ts';
import { readConfig } from './config.ts';
import { ConfigMapSource } from './configmap-source.ts';
import { extraConfigMaps } from './configmaps.ts';
import { Fragments } from './fragments.ts';
import { readTokensFile, tokensFromSecret, type Tokens } from './tokens.ts';

const config = configOrExit(readConfig(process.argv.slice(2), process.env));

let fileTokens: Tokens = new Map();
if (config.tokensFile) {
  const read = readTokensFile(config.tokensFile);
  if (!read.ok) {
    console.error(read.message);
    process.exit(2);
  }
  fileTokens = read.tokens;
}

const telemetry = await startTelemetry({ serviceName: 'halo-config' });
const logger = createLogger('config');
const registry = createMetricsRegistry();
const nc = await connectBus({ servers: config.nats, name: 'halo-config', ...config.bus });
// The config service owns KV halo-config and halo-status: it creates them (answerers and node caches
// wait for them) and sets their replicas.
const replicas = config.bus.replicas;
const lock = new CommitLock(await ensureBucket(nc, buckets.config, { replicas }));
await ensureBucket(nc, buckets.status, { replicas });
// A bus that lost its data lost these buckets too: after every reconnect they are made again (a few
// tries, as JetStream may still be recovering its streams).
void (async () => {
  for await (const s of nc.status()) {
    if (s.type !== 'reconnect') continue;
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        await ensureBucket(nc, buckets.config, { replicas });
        await ensureBucket(nc, buckets.status, { replicas });
        break;
      } catch (err) {
        logger.warn({ err: (err as Error).message, attempt }, 'cannot check the config and status buckets after a reconnect');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }
})();
const fragments = new Fragments(await FragmentStore.open(nc, { replicas }), {
  clusterZone: config.clusterZone,
  networks: config.networks,
  own: config.ownZones,
  lock,
});
await fragments.publish();

const kc = config.watchConfigMaps || config.tokensSecret ? loadKubeConfig({ kubeServer: config.kubeServer, kubeconfig: config.kubeconfig }) : null;
let secretTokens: Tokens = new Map();
const stops: (() => Promise<void>)[] = [];
if (kc && config.tokensSecret) {
  const [namespace, name] = config.tokensSecret.split('/');
  const secrets = createInformer<V1Secret>(kc, 'secrets', { namespace, fieldSelector: `metadata.name=${name}`, logger });
  const reload = () => (secretTokens = tokensFromSecret(secrets.list()[0]?.data));
  for (const ev of ['add', 'update', 'delete'] as const) secrets.on(ev, reload);
  await secrets.start();
  reload();
  stops.push(() => secrets.stop());
}
const tokens = (): Tokens => {
  const all = new Map([...fileTokens, ...secretTokens]);
  if (config.token) all.set(config.token, { name: 'operator', role: 'write' });
  return all;
};

let source: ConfigMapSource | null = null;
if (kc && config.watchConfigMaps) {
  const configMaps = createInformer<V1ConfigMap>(kc, 'configmaps', { namespace: 'kube-system', logger });
  source = new ConfigMapSource(fragments, () => configMaps.list().filter((cm) => (cm.metadata?.name ?? '') in extraConfigMaps), logger);
  for (const ev of ['add', 'update', 'delete'] as const) {
    configMaps.on(ev, (cm) => {
      if (cm.metadata?.name && cm.metadata.name in extraConfigMaps) void source!.sync();
    });
  }
  await configMaps.start();
  await source.sync();
  stops.push(() => configMaps.stop());
}

const app = await buildApp({ fragments, statuses: () => listInstanceStatus(nc), rejected: () => source?.rejected() ?? [], tokens, logger });
await app.listen({ host: config.host, port: config.port });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
const admin = await startAdminServer({ host: config.adminHost, port: config.adminPort, registry, logger, isReady: () => !nc.isClosed() });
console.log(JSON.stringify({ ready: true, app: 'config', port, admin: admin.port }));

onStop(async (signal) => {
  logger.info({ signal }, 'stopping');
  await app.close();
  for (const stop of stops) await stop();
  await nc.drain().catch(() => undefined);
  await admin.close();
  await telemetry.shutdown();
});
