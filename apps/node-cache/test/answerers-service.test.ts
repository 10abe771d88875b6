// The answerer pool as the endpoints of a headless Service (kube-sim): the node cache generates its
// Corefile again and reloads it live when they change, and a steady stream of new names through the
// change loses no query.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CoreV1Api, DiscoveryV1Api, KubeConfig } from '@kubernetes/client-node';
import {
  freePort,
  query,
  reply,
  spawnProcess,
  startKubeSim,
  startTestUpstream,
  waitFor,
  type ChildHandle,
  type KubeSim,
  type TestUpstream,
} from '@halo/testing';

const entry = new URL('../src/main.ts', import.meta.url).pathname;
const POOL_A = '10.9.0.1';
const POOL_B = '10.9.0.2';
let kube: KubeSim;
let discovery: DiscoveryV1Api;
const children: ChildHandle[] = [];
const pool: TestUpstream[] = [];
let cachePort: number;

const slice = (ip: string, resourceVersion?: string) => ({
  metadata: { name: 'halo-answerers-1', namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'halo-answerers' }, resourceVersion },
  addressType: 'IPv4',
  ports: [{ name: 'dns', port: 0, protocol: 'UDP' }],
  endpoints: [{ addresses: [ip], conditions: { ready: true } }],
});

beforeAll(async () => {
  kube = await startKubeSim();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 's', server: kube.url, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'c', cluster: 's', user: 'u' }],
    currentContext: 'c',
  });
  discovery = kc.makeApiClient(DiscoveryV1Api);
  await kc.makeApiClient(CoreV1Api).createNamespacedService({
    namespace: 'kube-system',
    body: {
      metadata: { name: 'halo-answerers', namespace: 'kube-system' },
      spec: { clusterIP: 'None', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
    },
  });
  // Two "answerers" on one port, on two loopback addresses: the Service's endpoints name one or the other.
  const poolPort = await freePort({ udp: true });
  for (const [host, address] of [
    ['127.0.0.1', POOL_A],
    ['127.0.0.2', POOL_B],
  ]) {
    pool.push(
      await startTestUpstream((q) => reply(q, q.questions?.[0]?.type === 'A' ? [{ type: 'A', name: q.questions[0].name, ttl: 30, data: address }] : []), {
        host,
        port: poolPort,
      }),
    );
  }
  await discovery.createNamespacedEndpointSlice({ namespace: 'kube-system', body: slice('127.0.0.1') });
  cachePort = await freePort({ udp: true });
  const natsPort = await freePort();
  children.push(
    await spawnProcess(
      'node',
      [
        entry,
        '--listen',
        `127.0.0.1:${cachePort}`,
        '--answerers-service',
        `kube-system/halo-answerers:${poolPort}`,
        '--kube-server',
        kube.url,
        '--nats',
        `nats://127.0.0.1:${natsPort}`,
        '--upstream',
        '127.0.0.1:9',
        '--instance',
        'svc-test',
      ],
      { readyLine: /"ready":true/, timeoutMs: 30_000 },
    ),
  );
}, 60_000);

afterAll(async () => {
  for (const c of children.reverse()) await c.kill('SIGKILL').catch(() => undefined);
  for (const p of pool) await p.close();
  await kube?.close();
});

let n = 0;
const ask = async () => {
  const r = await query({ host: '127.0.0.1', port: cachePort }, `q${n++}.shop.svc.cluster.local`, 'A', { timeoutMs: 2_000 });
  return { rcode: r.rcode, ip: (r.answers ?? []).flatMap((a) => (a.type === 'A' ? [String(a.data)] : []))[0] };
};

it('follows the Service endpoints with a live reload, losing no query', async () => {
  expect(await ask()).toEqual({ rcode: 'NOERROR', ip: POOL_A });
  const current = await discovery.readNamespacedEndpointSlice({ namespace: 'kube-system', name: 'halo-answerers-1' });
  const seen: { rcode: string; ip?: string }[] = [];
  let stop = false;
  const stream = (async () => {
    while (!stop) seen.push(await ask());
  })();
  await discovery.replaceNamespacedEndpointSlice({
    namespace: 'kube-system',
    name: 'halo-answerers-1',
    body: slice('127.0.0.2', current.metadata?.resourceVersion),
  });
  await waitFor(() => seen.some((r) => r.ip === POOL_B), { timeoutMs: 10_000, message: 'the node cache never asked the new answerer' });
  const switched = seen.length;
  await waitFor(() => seen.length > switched + 20, { message: 'the stream stalled after the reload' });
  stop = true;
  await stream;
  expect(seen.filter((r) => r.rcode !== 'NOERROR')).toEqual([]);
  expect(seen.slice(switched).every((r) => r.ip === POOL_B)).toBe(true);
});
