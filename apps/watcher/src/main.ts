#!/usr/bin/env node
// The watcher: Kubernetes objects in, record sets out to KV halo-zone, one leader at a time.
// First: re-executes with the watcher's V8 flags before anything else loads.
import './with-v8-flags.ts';
import type { KubernetesObject, V1EndpointSlice, V1Namespace, V1Pod, V1Service } from '@kubernetes/client-node';
import { Counter, Gauge } from 'prom-client';
import { connectBus } from '@halo/bus';
import { configOrExit, onStop } from '@halo/cli';
import { createInformer, createLeaderElection, loadKubeConfig } from '@halo/kube';
import { createLogger, createMetricsRegistry, startAdminServer, startTelemetry } from '@halo/telemetry';
import { defaultZoneOptions } from '@halo/zone';
import { readConfig } from './config.ts';
import { InformerState, sliceSourceTime, type EventType } from './cluster-state.ts';
import { slimEndpointSlice, slimNamespace, slimPod, slimService } from './slim-objects.ts';
import { ZoneSync } from './zone-sync.ts';

const config = configOrExit(readConfig(process.argv.slice(2), process.env));
const telemetry = await startTelemetry({ serviceName: 'halo-watcher', serviceInstanceId: config.identity });
const logger = createLogger('watcher', { identity: config.identity });
const registry = createMetricsRegistry();
const writes = new Counter({
  name: 'halo_watcher_zone_writes_total',
  help: 'Writes to KV halo-zone, by operation (put, delete, complete: the marker of a complete sync).',
  labelNames: ['op'],
  registers: [registry],
});
const leaderGauge = new Gauge({ name: 'halo_watcher_leader', help: '1 while this replica holds the lease.', registers: [registry] });

const nc = await connectBus({ servers: config.nats, name: `halo-watcher-${config.identity}`, ...config.bus });
const kc = loadKubeConfig({ kubeServer: config.kubeServer, kubeconfig: config.kubeconfig });
const state = new InformerState();
const sync = await ZoneSync.open({
  nc,
  state,
  logger,
  identity: config.identity,
  replicas: config.bus.replicas,
  zoneOptions: defaultZoneOptions({ zones: [config.zone, 'in-addr.arpa', 'ip6.arpa'], endpointPodNames: true }),
  onWrite: (op) => writes.inc({ op }),
});

// Each event marks the keys it may change, with when the change happened at its source: the start of
// the DNS programming latency, carried in the record set to every answerer and node cache.
// Each informer keeps only what the zone reads of its objects (slim-objects.ts).
function watch<T extends KubernetesObject>(
  resource: 'services' | 'endpointslices' | 'namespaces' | 'pods',
  transform: (obj: KubernetesObject) => T,
  apply: (type: EventType, obj: T) => string[],
  sourceTime: (type: EventType, obj: T, now: number) => number = (_type, _obj, now) => now,
) {
  const informer = createInformer<T>(kc, resource, { logger, transform });
  for (const type of ['add', 'update', 'delete'] as const) {
    informer.on(type, (obj) => {
      const since = sourceTime(type, obj, Date.now());
      for (const key of apply(type, obj)) sync.touch(key, since);
    });
  }
  return informer;
}
const informers = [
  watch<V1Namespace>('namespaces', slimNamespace, (t, o) => state.onNamespace(t, o)),
  watch<V1Service>('services', slimService, (t, o) => state.onService(t, o)),
  watch<V1EndpointSlice>('endpointslices', slimEndpointSlice, (t, o) => state.onEndpointSlice(t, o), sliceSourceTime),
  ...(config.watchPods ? [watch<V1Pod>('pods', slimPod, (t, o) => state.onPod(t, o))] : []),
];

const admin = await startAdminServer({
  host: config.adminHost,
  port: config.adminPort,
  registry,
  logger,
  isReady: () => informers.every((i) => i.synced) && (!sync.leading || sync.complete),
});

await Promise.all(informers.map((i) => i.start()));
logger.info({ admin: admin.port }, 'informers synced');

const lead = () => {
  logger.info('started leading');
  leaderGauge.set(1);
  sync.lead();
};
// Only after the informers hold the whole cluster may a leader compare it with the bucket.
const election = config.leaderElection
  ? createLeaderElection(kc, {
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity: config.identity,
      leaseDurationSeconds: config.leaseDurationSeconds,
      renewDeadlineSeconds: Math.max(1, Math.round((config.leaseDurationSeconds * 2) / 3)),
      retryPeriodSeconds: Math.max(1, Math.round(config.leaseDurationSeconds / 7)),
      logger,
      onStartedLeading: lead,
      onStoppedLeading: () => {
        logger.info('stopped leading');
        leaderGauge.set(0);
        sync.follow();
      },
    })
  : null;
if (election) election.start();
else lead();
console.log(JSON.stringify({ ready: true, app: 'watcher', admin: admin.port, identity: config.identity }));

onStop(async (signal) => {
  logger.info({ signal }, 'stopping');
  await sync.idle();
  await sync.close();
  await election?.stop();
  await Promise.all(informers.map((i) => i.stop()));
  await nc.drain().catch(() => undefined);
  await admin.close();
  await telemetry.shutdown();
});
