// The system end to end, against kube-sim and against a real kube-apiserver from one table of cases:
// API server → watcher → NATS → answerer pool and node cache, real processes, a real DNS client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rm } from 'node:fs/promises';
import {
  CoordinationV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubernetesObjectApi,
  type KubernetesObject,
  type V1Endpoint,
  type V1EndpointSlice,
  type V1Service,
} from '@kubernetes/client-node';
import { loadKubeConfig } from '@halo/kube';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { KvWatchInclude, type KV } from '@nats-io/kv';
import { buckets, openBucket } from '@halo/bus';
import { query, waitFor, type DnsResponse } from '@halo/testing';
import type { ControlPlane } from '@halo/control-plane';
import type { Stack, StackProcess } from '../src/index.ts';
import { announceSkips, kubeApiserver, kubeSim, type ClusterUnderTest } from './clusters.ts';

const clusters = [kubeSim, kubeApiserver];
announceSkips(clusters, 'system.test.ts');

/** What a question is answered, as a person reads dig: sorted data of the answers of the type asked, or the rcode. */
function answerOf(r: DnsResponse, type: string): string[] | string {
  if (r.rcode !== 'NOERROR') return r.rcode;
  return (r.answers ?? [])
    .filter((a) => a.type === type)
    .map((a) => {
      if (a.type === 'SRV') return `${a.data.port} ${a.data.target}`;
      return 'data' in a ? String(a.data) : '';
    })
    .sort();
}

type Question = [name: string, type: string, answer: string[] | 'NXDOMAIN'];

/** Objects in, questions → answers out. `questions` sees the objects as the API server stored them (allocated IPs). */
interface AnswerCase {
  name: string;
  objects: (V1Service | V1EndpointSlice)[];
  questions(stored: KubernetesObject[]): Question[];
}

const ns = 'cases';
const meta = (name: string, extra: object = {}) => ({ name, namespace: ns, ...extra });
const sliceOf = (service: string, addressType: 'IPv4' | 'IPv6', endpoints: V1Endpoint[], suffix = addressType.toLowerCase()): V1EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: meta(`${service}-${suffix}`, { labels: { 'kubernetes.io/service-name': service } }),
  addressType,
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints,
});
const clusterIPs = (stored: KubernetesObject[], name: string) =>
  (stored.find((o) => o.kind === 'Service' && o.metadata?.name === name) as V1Service).spec?.clusterIPs ?? [];
const fqdn = (name: string) => `${name}.${ns}.svc.cluster.local`;

const answerCases: AnswerCase[] = [
  {
    name: 'a ClusterIP Service answers its address, and SRV for its named port',
    objects: [
      { apiVersion: 'v1', kind: 'Service', metadata: meta('cart'), spec: { clusterIP: '10.96.20.1', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
    ],
    questions: () => [
      [fqdn('cart'), 'A', ['10.96.20.1']],
      [`_http._tcp.${fqdn('cart')}`, 'SRV', [`80 ${fqdn('cart')}`]],
    ],
  },
  {
    name: 'an ExternalName Service answers a CNAME',
    objects: [{ apiVersion: 'v1', kind: 'Service', metadata: meta('billing'), spec: { type: 'ExternalName', externalName: 'billing.example.org' } }],
    questions: () => [[fqdn('billing'), 'CNAME', ['billing.example.org']]],
  },
  {
    // The real server defaults type, protocol, targetPort, ipFamilies, ipFamilyPolicy and allocates the address.
    name: 'a Service given nothing but a port answers the address the API server allocated',
    objects: [{ apiVersion: 'v1', kind: 'Service', metadata: meta('bare'), spec: { ports: [{ port: 80 }] } }],
    questions: (stored) => [[fqdn('bare'), 'A', clusterIPs(stored, 'bare')]],
  },
  {
    name: 'a RequireDualStack Service answers A and AAAA',
    objects: [{ apiVersion: 'v1', kind: 'Service', metadata: meta('twin'), spec: { ipFamilyPolicy: 'RequireDualStack', ports: [{ name: 'http', port: 80 }] } }],
    questions: (stored) => {
      const ips = clusterIPs(stored, 'twin');
      return [
        [fqdn('twin'), 'A', ips.filter((ip) => !ip.includes(':'))],
        [fqdn('twin'), 'AAAA', ips.filter((ip) => ip.includes(':'))],
      ];
    },
  },
  {
    name: 'an IPv6-first dual-stack Service answers both families',
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('six'),
        spec: { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'], ports: [{ name: 'http', port: 80 }] },
      },
    ],
    questions: (stored) => {
      const ips = clusterIPs(stored, 'six');
      return [
        [fqdn('six'), 'AAAA', ips.filter((ip) => ip.includes(':'))],
        [fqdn('six'), 'A', ips.filter((ip) => !ip.includes(':'))],
      ];
    },
  },
  {
    name: 'trafficDistribution and internalTrafficPolicy change no answer',
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('nearby'),
        spec: { clusterIP: '10.96.20.5', trafficDistribution: 'PreferClose', internalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80 }] },
      },
    ],
    questions: () => [[fqdn('nearby'), 'A', ['10.96.20.5']]],
  },
  {
    // As the EndpointSlice controller writes a rollout: one endpoint terminating (not ready, still serving), hints and zones.
    name: 'a headless Service answers its ready endpoints; a terminating one is left out; hints change nothing',
    objects: [
      { apiVersion: 'v1', kind: 'Service', metadata: meta('peers'), spec: { clusterIP: 'None', ports: [{ name: 'http', port: 8080 }] } },
      sliceOf('peers', 'IPv4', [
        {
          addresses: ['10.244.7.1'],
          conditions: { ready: true, serving: true, terminating: false },
          zone: 'zone-a',
          nodeName: 'node-1',
          hints: { forZones: [{ name: 'zone-a' }] },
        },
        {
          addresses: ['10.244.7.2'],
          conditions: { ready: true, serving: true, terminating: false },
          zone: 'zone-b',
          nodeName: 'node-2',
          hints: { forZones: [{ name: 'zone-b' }], forNodes: [{ name: 'node-2' }] },
        },
        { addresses: ['10.244.7.3'], conditions: { ready: false, serving: true, terminating: true }, zone: 'zone-a', nodeName: 'node-1' },
      ]),
    ],
    questions: () => [
      [fqdn('peers'), 'A', ['10.244.7.1', '10.244.7.2']],
      [`_http._tcp.${fqdn('peers')}`, 'SRV', [`8080 10-244-7-1.${fqdn('peers')}`, `8080 10-244-7-2.${fqdn('peers')}`]],
    ],
  },
  {
    name: 'publishNotReadyAddresses answers the terminating endpoint too',
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('all-peers'),
        spec: { clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'http', port: 8080 }] },
      },
      sliceOf('all-peers', 'IPv4', [
        { addresses: ['10.244.6.1'], conditions: { ready: true } },
        { addresses: ['10.244.6.2'], conditions: { ready: false, serving: true, terminating: true } },
      ]),
    ],
    questions: () => [[fqdn('all-peers'), 'A', ['10.244.6.1', '10.244.6.2']]],
  },
  {
    name: 'a dual-stack headless Service answers the endpoints of its IPv4 and IPv6 slices',
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('mesh'),
        spec: { clusterIP: 'None', ipFamilyPolicy: 'RequireDualStack', ports: [{ name: 'http', port: 8080 }] },
      },
      sliceOf('mesh', 'IPv4', [{ addresses: ['10.244.9.1'], conditions: { ready: true }, hostname: 'mesh-0' }]),
      sliceOf('mesh', 'IPv6', [{ addresses: ['fd00:10:244::9:1'], conditions: { ready: true }, hostname: 'mesh-0' }]),
    ],
    questions: () => [
      [fqdn('mesh'), 'A', ['10.244.9.1']],
      [fqdn('mesh'), 'AAAA', ['fd00:10:244::9:1']],
      [`mesh-0.${fqdn('mesh')}`, 'AAAA', ['fd00:10:244::9:1']],
    ],
  },
];

describe.each(clusters)('against $name', (cluster: ClusterUnderTest) => {
  let stack: Stack;
  let plane: ControlPlane | null;
  let stopAll: () => Promise<void>;
  let core: CoreV1Api;
  let discovery: DiscoveryV1Api;
  let objects: KubernetesObjectApi;
  let nc: NatsConnection;
  let zone: KV;

  beforeAll(async () => {
    if (cluster.skip) return;
    ({ stack, plane, stop: stopAll } = await cluster.start({ answerers: 2 }));
    const kc = loadKubeConfig(stack.kube);
    core = kc.makeApiClient(CoreV1Api);
    discovery = kc.makeApiClient(DiscoveryV1Api);
    objects = KubernetesObjectApi.makeApiClient(kc);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    // With the watcher's user: the bad-schema case writes into the zone by hand, as a buggy writer would.
    nc = await connect({ servers: stack.natsUrls, ...stack.natsUser('watcher') });
    const opened = await openBucket(nc, buckets.zone);
    if (!opened) throw new Error('no halo-zone bucket');
    zone = opened;
  }, 180_000);

  afterAll(async () => {
    await nc?.close();
    await stopAll?.();
  });

  const ask = (name: string, type = 'A', server = stack.dns) => query(server, name, type, { timeoutMs: 1_000 });
  const cache = () => ({ host: stack.dns.host, port: stack.cachePort });
  async function answers(name: string, type: string, expected: string[] | string, server = stack.dns, timeoutMs = 15_000) {
    let last: string[] | string = 'no answer';
    await waitFor(
      async () => {
        last = answerOf(await ask(name, type, server), type);
        return JSON.stringify(last) === JSON.stringify(expected);
      },
      { timeoutMs, message: `${name} ${type} at :${server.port} never answered ${JSON.stringify(expected)}` },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last: ${JSON.stringify(last)}`);
    });
  }
  /** Every write the bucket ever took (puts and deletes): its stream's last sequence. */
  const zoneWrites = async () => (await zone.status()).streamInfo.state.last_seq;
  /**
   * The keys written to the bucket from now on, in order, as `PUT key` / `DEL key`; the marker of a
   * complete sync (`zone.complete`, written after every resync) apart, in `markers`.
   */
  async function recordWrites() {
    const writes: string[] = [];
    const markers: string[] = [];
    const watch = await zone.watch({ include: KvWatchInclude.UpdatesOnly });
    void (async () => {
      for await (const e of watch) {
        if (e.key === 'zone.complete') markers.push(e.operation === 'PUT' ? e.json<{ writer: string }>().writer : 'deleted');
        else writes.push(`${e.operation === 'PUT' ? 'PUT' : 'DEL'} ${e.key}`);
      }
    })();
    return { writes, markers, stop: () => watch.stop() };
  }
  /** The writer named in the bucket's marker of a complete sync, if any. */
  const completedBy = async () => {
    const marker = await zone.get('zone.complete').catch(() => null);
    return marker?.operation === 'PUT' ? marker.json<{ writer: string }>().writer : null;
  };
  const service = (name: string, clusterIP: string, namespace = 'shop') => ({
    metadata: { name, namespace },
    spec: { clusterIP, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  });
  const running = (p: StackProcess) => {
    try {
      process.kill(p.handle.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const leadingWatcher = () =>
    [...stack.processes.values()].find(
      (p) => p.name.startsWith('watcher') && running(p) && p.handle.lines.findLast((l) => /(started|stopped) leading/.test(l))?.includes('started leading'),
    );

  describe.skipIf(cluster.skip !== null)('objects → answers', () => {
    it.each(answerCases)('$name', async ({ objects: wanted, questions }) => {
      const stored: KubernetesObject[] = [];
      for (const obj of wanted) stored.push(await objects.create(obj));
      for (const [name, type, answer] of questions(stored)) {
        expect(answer.length).toBeGreaterThan(0);
        await answers(name, type, answer);
      }
    });
  });

  describe.skipIf(cluster.skip !== null)('changes', () => {
    it('answers the demo cluster', async () => {
      expect(answerOf(await ask('web.shop.svc.cluster.local'), 'A')).toEqual(['10.96.10.10']);
      const soa = await ask('nothing-here.shop.svc.cluster.local');
      expect(soa.rcode).toBe('NXDOMAIN');
      expect(soa.authorities?.[0]?.type).toBe('SOA');
    });

    it('answers a Service created through the API, and NXDOMAIN once it is deleted', async () => {
      await core.createNamespacedService({ namespace: 'shop', body: service('basket', '10.96.21.1') });
      await answers('basket.shop.svc.cluster.local', 'A', ['10.96.21.1']);
      await core.deleteNamespacedService({ namespace: 'shop', name: 'basket' });
      await answers('basket.shop.svc.cluster.local', 'A', 'NXDOMAIN');
    });

    it('follows the endpoints of a headless Service, at the pool and at the node cache at once', async () => {
      await core.createNamespacedService({
        namespace: 'shop',
        body: { metadata: { name: 'gossip', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'gossip', port: 7946, protocol: 'TCP' }] } },
      });
      const slice = (ips: string[], resourceVersion?: string) => ({
        metadata: { name: 'gossip-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'gossip' }, resourceVersion },
        addressType: 'IPv4',
        ports: [{ name: 'gossip', port: 7946, protocol: 'TCP' }],
        endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      });
      await discovery.createNamespacedEndpointSlice({ namespace: 'shop', body: slice(['10.244.9.1', '10.244.9.2']) });
      await answers('gossip.shop.svc.cluster.local', 'A', ['10.244.9.1', '10.244.9.2']);
      await answers('gossip.shop.svc.cluster.local', 'A', ['10.244.9.1', '10.244.9.2'], cache());
      const current = await discovery.readNamespacedEndpointSlice({ namespace: 'shop', name: 'gossip-1' });
      await discovery.replaceNamespacedEndpointSlice({ namespace: 'shop', name: 'gossip-1', body: slice(['10.244.9.3'], current.metadata?.resourceVersion) });
      await answers('gossip.shop.svc.cluster.local', 'A', ['10.244.9.3']);
      // The node cache holds answers for up to 30 s: seeing the change well within that is the bus at work.
      await answers('gossip.shop.svc.cluster.local', 'A', ['10.244.9.3'], cache(), 10_000);
    });

    it('chases an ExternalName into the zone, at the answerers and through the node cache, and follows its target', async () => {
      await core.createNamespacedService({
        namespace: 'shop',
        body: { metadata: { name: 'members', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
      });
      const slice = (ips: string[], resourceVersion?: string) => ({
        metadata: {
          name: 'members-1',
          namespace: 'shop',
          labels: { 'kubernetes.io/service-name': 'members' },
          ...(resourceVersion ? { resourceVersion } : {}),
        },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
        endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      });
      await discovery.createNamespacedEndpointSlice({ namespace: 'shop', body: slice(['10.244.8.1']) });
      await core.createNamespacedService({
        namespace: 'shop',
        body: { metadata: { name: 'alias', namespace: 'shop' }, spec: { type: 'ExternalName', externalName: 'members.shop.svc.cluster.local' } },
      });
      const chain = (r: DnsResponse) => (r.answers ?? []).flatMap((a) => (a.type === 'OPT' ? [] : [`${a.name} ${a.type} ${String(a.data)}`]));
      const expected = (ip: string) => ['alias.shop.svc.cluster.local CNAME members.shop.svc.cluster.local', `members.shop.svc.cluster.local A ${ip}`];
      for (const server of [stack.dns, cache()]) {
        await waitFor(async () => JSON.stringify(chain(await ask('alias.shop.svc.cluster.local', 'A', server))) === JSON.stringify(expected('10.244.8.1')), {
          timeoutMs: 15_000,
          message: 'the alias never answered its target',
        });
      }
      // The target moves: the bus names the target, and the caches drop the alias's answer with it.
      const current = await discovery.readNamespacedEndpointSlice({ namespace: 'shop', name: 'members-1' });
      await discovery.replaceNamespacedEndpointSlice({ namespace: 'shop', name: 'members-1', body: slice(['10.244.8.2'], current.metadata?.resourceVersion) });
      for (const server of [stack.dns, cache()]) {
        await waitFor(async () => JSON.stringify(chain(await ask('alias.shop.svc.cluster.local', 'A', server))) === JSON.stringify(expected('10.244.8.2')), {
          timeoutMs: 5_000,
          message: 'the alias kept the old address',
        });
      }
    });

    it('forgets a Service deleted while the watcher was down', async () => {
      await core.createNamespacedService({ namespace: 'shop', body: service('ghost', '10.96.21.2') });
      await answers('ghost.shop.svc.cluster.local', 'A', ['10.96.21.2']);
      await stack.processes.get('watcher')?.handle.kill('SIGTERM');
      const recorder = await recordWrites();
      await core.deleteNamespacedService({ namespace: 'shop', name: 'ghost' });
      // Nothing writes while the watcher is down: the answer stays.
      expect(answerOf(await ask('ghost.shop.svc.cluster.local'), 'A')).toEqual(['10.96.21.2']);
      await stack.restart('watcher');
      await answers('ghost.shop.svc.cluster.local', 'A', 'NXDOMAIN');
      // The restarted watcher wrote the one delete, then the marker of its complete sync; nothing else.
      await waitFor(() => recorder.markers.length > 0, { timeoutMs: 15_000, message: 'the restarted watcher never marked the zone complete' });
      await recorder.stop();
      expect(recorder.writes).toEqual(['DEL svc.shop.ghost']);
      expect(recorder.markers).toEqual(['watcher-0']);
    });

    it('hands the lead, and the Lease, to the standby when the leader dies', async () => {
      const leader = stack.processes.get('watcher')!;
      const standby = await stack.spawn(
        'watcher-standby',
        leader.entry,
        leader.args.map((a) => (a === 'watcher-0' ? 'watcher-1' : a)),
      );
      const recorder = await recordWrites();
      await leader.handle.kill('SIGKILL');
      await core.createNamespacedService({ namespace: 'shop', body: service('after-failover', '10.96.21.3') });
      // The lease (4 s in the stack) must run out before the standby writes.
      await answers('after-failover.shop.svc.cluster.local', 'A', ['10.96.21.3']);
      expect(standby.handle.lines.some((l) => l.includes('started leading'))).toBe(true);
      // The takeover rewrote nothing that had not changed: the new Service, then the marker.
      await waitFor(() => recorder.markers.includes('watcher-1'), { timeoutMs: 15_000, message: 'the standby never marked the zone complete' });
      await recorder.stop();
      expect(recorder.writes).toEqual(['PUT svc.shop.after-failover']);
      const lease = await loadKubeConfig(stack.kube).makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: 'kube-system', name: 'halo-watcher' });
      expect(lease.spec?.holderIdentity).toBe('watcher-1');
    });

    it('answers again after an answerer restarts and syncs', async () => {
      const answerer = stack.processes.get('answerer-1')!;
      await answerer.handle.kill('SIGTERM');
      const again = await stack.restart('answerer-1');
      expect(again.handle.lines.some((l) => l.includes('"ready":true'))).toBe(true);
      // Both answerers share the port; every query must be answered whichever gets it.
      for (let i = 0; i < 20; i++) expect(answerOf(await ask('web.shop.svc.cluster.local'), 'A')).toEqual(['10.96.10.10']);
    });

    it('answers on while the bus loses its data, and writes the whole zone again', async () => {
      const seen = new Set<string>();
      let asking = true;
      // Every answer while the bus is gone and the zone is written again: the address, never a denial.
      const asker = (async () => {
        while (asking) {
          const r = await ask('web.shop.svc.cluster.local').catch(() => null);
          seen.add(r ? JSON.stringify(answerOf(r, 'A')) : 'no answer');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      await stack.nats.kill();
      await rm(stack.nats.storeDir, { recursive: true, force: true });
      await stack.nats.restart();
      await waitFor(async () => (await completedBy()) !== null, { timeoutMs: 30_000, message: 'the zone was never written again' });
      await core.createNamespacedService({ namespace: 'shop', body: service('after-restore', '10.96.21.5') });
      await answers('after-restore.shop.svc.cluster.local', 'A', ['10.96.21.5']);
      asking = false;
      await asker;
      expect([...seen]).toEqual([JSON.stringify(['10.96.10.10'])]);
      // An answerer started now finds the complete zone and answers at once.
      await stack.processes.get('answerer-0')?.handle.kill('SIGTERM');
      await stack.restart('answerer-0');
      for (let i = 0; i < 10; i++) expect(answerOf(await ask('after-restore.shop.svc.cluster.local'), 'A')).toEqual(['10.96.21.5']);
    });

    it('skips a KV entry with a bad schema and keeps serving the rest', async () => {
      await zone.put('svc.shop.broken', JSON.stringify({ schema: 1, recordSet: { kind: 'Service', name: 'broken' } }));
      await zone.put('svc.shop.future', JSON.stringify({ schema: 99 }));
      try {
        await core.createNamespacedService({ namespace: 'shop', body: service('after-bad', '10.96.21.4') });
        await answers('after-bad.shop.svc.cluster.local', 'A', ['10.96.21.4']);
        expect(answerOf(await ask('web.shop.svc.cluster.local'), 'A')).toEqual(['10.96.10.10']);
        expect(answerOf(await ask('broken.shop.svc.cluster.local'), 'A')).toBe('NXDOMAIN');
      } finally {
        // A leader repairs them at its next resync; the cases after this one count writes without them.
        await zone.delete('svc.shop.broken');
        await zone.delete('svc.shop.future');
      }
    });
  });

  describe.skipIf(cluster.skip !== null)('DNS programming latency', () => {
    /** The admin port a process printed in its ready line. */
    const adminOf = (name: string): number => {
      const line = stack.processes.get(name)?.handle.lines.find((l) => l.includes('"ready":true'));
      if (!line) throw new Error(`${name} never said it was ready`);
      return (JSON.parse(line.slice(line.indexOf('{'))) as { admin: number }).admin;
    };
    const buckets = async (name: string): Promise<Map<string, number>> => {
      const text = await (await fetch(`http://${stack.dns.host}:${adminOf(name)}/metrics`)).text();
      const counts = new Map<string, number>();
      for (const [, le = '', count] of text.matchAll(/^halo_dns_programming_latency_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) counts.set(le, Number(count));
      return counts;
    };
    const instances = ['answerer-0', 'answerer-1', 'node-cache'];

    it('measures a change from its EndpointSlice trigger time to when each answerer and the node cache answer with it', async () => {
      const before = new Map(await Promise.all(instances.map(async (name) => [name, await buckets(name)] as const)));
      const countBefore = (name: string, le: string) => before.get(name)?.get(le) ?? 0;
      await core.createNamespacedService({
        namespace: 'shop',
        body: { metadata: { name: 'timed', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] } },
      });
      // The EndpointSlice controller's annotation says the Pod became ready 42 s ago (a slow controller, say).
      const trigger = new Date(Date.now() - 42_000).toISOString();
      await discovery.createNamespacedEndpointSlice({
        namespace: 'shop',
        body: {
          metadata: {
            name: 'timed-1',
            namespace: 'shop',
            labels: { 'kubernetes.io/service-name': 'timed' },
            annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': trigger },
          },
          addressType: 'IPv4',
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          endpoints: [{ addresses: ['10.244.20.9'], conditions: { ready: true } }],
        },
      });
      await answers('timed.shop.svc.cluster.local', 'A', ['10.244.20.9']);

      // One observation between 30 s and 60 s in each instance's histogram (the Service's own change, if
      // written apart, took well under 30 s and counts in both buckets).
      for (const name of instances) {
        await waitFor(
          async () => {
            const after = await buckets(name);
            const delta = (le: string) => (after.get(le) ?? 0) - countBefore(name, le);
            return delta('60') - delta('30') === 1;
          },
          { timeoutMs: 15_000, message: `${name} observed no programming latency between 30 and 60 s` },
        );
      }

      // Each instance's status (written every 10 s) reports it: the largest of its latest changes.
      const status = await waitFor(
        async () => {
          const response = await fetch(`${stack.config.url}/v1/status`, { headers: { authorization: `Bearer ${stack.config.token}` } });
          const body = (await response.json()) as {
            instances: { instance: string; programmingLatency?: { count: number; p50Seconds: number; p99Seconds: number } }[];
          };
          const latencies = new Map(body.instances.map((i) => [i.instance, i.programmingLatency]));
          return ['answerer-0', 'answerer-1', 'node-cache-0'].every((i) => (latencies.get(i)?.p99Seconds ?? 0) >= 42) ? latencies : null;
        },
        { timeoutMs: 30_000, message: 'the status never showed the 42 s change' },
      );
      for (const instance of ['answerer-0', 'answerer-1', 'node-cache-0']) {
        const latency = status.get(instance) ?? { count: 0, p50Seconds: Number.NaN, p99Seconds: Number.NaN };
        expect(latency.p99Seconds).toBeLessThan(60);
        expect(latency.p50Seconds).toBeLessThanOrEqual(latency.p99Seconds);
        expect(latency.count).toBeGreaterThanOrEqual(1);
      }
    });
  });

  describe.skipIf(cluster.skip !== null)('the Grafana dashboard', () => {
    const dashboardFile = fileURLToPath(new URL('../../../deploy/components/monitoring/dashboards/halo-dns.json', import.meta.url));

    /** Every metric name a PromQL expression of the dashboard reads, histograms by their base name. */
    function queried(): Set<string> {
      const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
      const names = new Set<string>();
      for (const panel of dashboard.panels) {
        for (const { expr } of panel.targets ?? []) {
          for (const [name] of expr.matchAll(/\b(?:coredns|halo|process|nodejs)_[a-z0-9_]+/g)) names.add(name.replace(/_(bucket|sum|count)$/, ''));
        }
      }
      return names;
    }

    it('queries only metrics the running apps export', async () => {
      const exported = new Set<string>();
      for (const proc of stack.processes.values()) {
        const line = proc.handle.lines.find((l) => l.includes('"ready":true') && l.includes('"admin"'));
        const admin = line ? (JSON.parse(line.slice(line.indexOf('{'))) as { admin?: number | null }).admin : null;
        if (!admin) continue;
        const text = await fetch(`http://${stack.dns.host}:${admin}/metrics`).then(
          (r) => r.text(),
          () => '',
        );
        for (const [, name = ''] of text.matchAll(/^# TYPE (\S+) /gm)) exported.add(name);
      }
      const names = queried();
      // Request rate, response codes, latency, cache hits and programming latency are all on it.
      for (const name of [
        'coredns_dns_requests_total',
        'coredns_dns_responses_total',
        'coredns_dns_request_duration_seconds',
        'coredns_cache_hits_total',
        'coredns_cache_requests_total',
        'halo_dns_programming_latency_seconds',
      ]) {
        expect(names).toContain(name);
      }
      expect([...names].filter((name) => !exported.has(name))).toEqual([]);
    });
  });

  // What only a real API server does: restarts that break every watch, a watch cache, etcd compaction.
  describe.skipIf(cluster.skip !== null || cluster.name !== 'kube-apiserver')('only a real API server', () => {
    it.each([
      { how: 'stopped and started again', signal: 'SIGTERM' as const, compact: false, n: 1 },
      { how: 'killed, with etcd compacted meanwhile (410 Gone on resume)', signal: 'SIGKILL' as const, compact: true, n: 2 },
    ])(
      'kube-apiserver $how under the watcher: no change lost, nothing rewritten that did not change',
      async ({ signal, compact, n }) => {
        await core.createNamespacedService({ namespace: 'shop', body: service(`steady-${n}`, `10.96.22.${n}`) });
        await answers(`steady-${n}.shop.svc.cluster.local`, 'A', [`10.96.22.${n}`]);
        const recorder = await recordWrites();

        await plane!.restartApiServer({ signal, whileDown: compact ? async () => void (await plane!.compactEtcd()) : undefined });
        // Right after the restart, while the watches are still broken or being made again: one change of each kind.
        await core.createNamespacedService({ namespace: 'shop', body: service(`after-restart-${n}`, `10.96.23.${n}`) });
        await core.deleteNamespacedService({ namespace: 'shop', name: `steady-${n}` });
        const gossip = await discovery.readNamespacedEndpointSlice({ namespace: 'shop', name: 'gossip-1' });
        await discovery.replaceNamespacedEndpointSlice({
          namespace: 'shop',
          name: 'gossip-1',
          body: { ...gossip, endpoints: [{ addresses: [`10.244.10.${n}`], conditions: { ready: true } }] },
        });
        await core.createNamespace({ body: { metadata: { name: `after-restart-${n}` } } });

        // The client-node informers back off up to 30 s between failed attempts while the server is away.
        await answers(`after-restart-${n}.shop.svc.cluster.local`, 'A', [`10.96.23.${n}`], stack.dns, 45_000);
        await answers(`steady-${n}.shop.svc.cluster.local`, 'A', 'NXDOMAIN', stack.dns, 45_000);
        await answers('gossip.shop.svc.cluster.local', 'A', [`10.244.10.${n}`], stack.dns, 45_000);
        await waitFor(() => recorder.writes.includes(`PUT ns.after-restart-${n}`), { timeoutMs: 45_000, message: `ns.after-restart-${n} never written` });
        await recorder.stop();
        // Four changes, four writes: the relists after the restart (and a leader that lost and took its
        // Lease back meanwhile) rewrote none of the record sets that did not change.
        expect(recorder.writes.sort()).toEqual([
          `DEL svc.shop.steady-${n}`,
          `PUT ns.after-restart-${n}`,
          `PUT svc.shop.after-restart-${n}`,
          'PUT svc.shop.gossip',
        ]);
        expect(answerOf(await ask('web.shop.svc.cluster.local'), 'A')).toEqual(['10.96.10.10']);
      },
      180_000,
    );

    it('converges on 1 000 Services created in a burst, writing each once (memory and writes reported)', async () => {
      const count = 1_000;
      const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      const watcher = leadingWatcher();
      expect(watcher, 'a watcher leads').toBeDefined();
      await core.createNamespace({ body: { metadata: { name: 'burst' } } });
      await waitFor(async () => (await zone.get('ns.burst'))?.operation === 'PUT', { timeoutMs: 15_000, message: 'ns.burst never written' });
      const before = await zoneWrites();
      const recorder = await recordWrites();
      const rssBefore = rss(watcher!.handle.pid);
      const started = performance.now();

      const addresses = new Map<string, string>();
      let next = 0;
      const creator = async () => {
        while (next < count) {
          const name = `svc-${next++}`;
          const created = await core.createNamespacedService({
            namespace: 'burst',
            body: { metadata: { name, namespace: 'burst' }, spec: { ports: [{ name: 'http', port: 80 }] } },
          });
          addresses.set(name, created.spec!.clusterIP!);
        }
      };
      await Promise.all(Array.from({ length: 16 }, creator));
      const created = performance.now();
      let peakRss = rss(watcher!.handle.pid);
      await waitFor(
        async () => {
          peakRss = Math.max(peakRss, rss(watcher!.handle.pid));
          const keys: string[] = [];
          for await (const key of await zone.keys('svc.burst.>')) keys.push(key);
          return keys.length === count;
        },
        { timeoutMs: 180_000, intervalMs: 250, message: `the zone never held all ${count} Services` },
      );
      const converged = performance.now();
      for (const name of ['svc-0', 'svc-499', `svc-${count - 1}`]) await answers(`${name}.burst.svc.cluster.local`, 'A', [addresses.get(name)!]);
      const writes = (await zoneWrites()) - before;
      await waitFor(() => recorder.writes.length + recorder.markers.length >= writes, { timeoutMs: 10_000, message: 'the recorder never saw every write' });
      recorder.stop();
      console.log(
        `burst: ${count} Services created in ${((created - started) / 1000).toFixed(1)} s, zone converged ${((converged - started) / 1000).toFixed(1)} s after the first create; ` +
          `KV writes ${writes} (markers of a complete sync ${recorder.markers.length}); watcher RSS ${rssBefore.toFixed(0)} MB before, ${peakRss.toFixed(0)} MB at most, ${rss(watcher!.handle.pid).toFixed(0)} MB after`,
      );
      // Each Service written once, nothing else rewritten; a resync's marker writes no record set and is
      // no rewrite (counted by the stream's sequence, one extra write showed once in CI).
      expect(recorder.writes).toHaveLength(count);
      expect(new Set(recorder.writes).size).toBe(count);
      expect(recorder.writes.every((w) => w.startsWith('PUT svc.burst.'))).toBe(true);
    }, 300_000);
  });
});
