// The foundation end to end: kube-sim → watcher → NATS → answerer pool, with real processes and a real DNS client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '@halo/kube';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { query, waitFor } from '@halo/testing';
import { startStack, type Stack } from '../src/index.ts';

let stack: Stack;
let core: CoreV1Api;
let discovery: DiscoveryV1Api;

const ask = (name: string, type = 'A') => query(stack.dns, name, type, { timeoutMs: 1_000 });
const rcodeOf = (r: Awaited<ReturnType<typeof ask>>) => r.rcode;
const addresses = (r: Awaited<ReturnType<typeof ask>>) =>
  (r.answers ?? []).flatMap((a) => (a.type === 'A' || a.type === 'AAAA' ? [a.data] : [])).sort();

async function answersA(name: string, expected: string[]) {
  await waitFor(async () => JSON.stringify(addresses(await ask(name))) === JSON.stringify(expected), {
    timeoutMs: 15_000,
    message: `${name} never answered ${expected.join(',')}`,
  });
}
async function answersNxdomain(name: string) {
  await waitFor(async () => rcodeOf(await ask(name)) === 'NXDOMAIN', { timeoutMs: 15_000, message: `${name} never became NXDOMAIN` });
}

function service(name: string, clusterIP: string) {
  return { metadata: { name, namespace: 'shop' }, spec: { clusterIP, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } };
}

beforeAll(async () => {
  stack = await startStack({ answerers: 2 });
  const kc = loadKubeConfig({ kubeServer: stack.kubeUrl });
  core = kc.makeApiClient(CoreV1Api);
  discovery = kc.makeApiClient(DiscoveryV1Api);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the first slice: watcher → NATS → answerer', () => {
  it('answers the demo cluster', async () => {
    expect(addresses(await ask('web.shop.svc.cluster.local'))).toEqual(['10.96.10.10']);
    const soa = await ask('nothing-here.shop.svc.cluster.local');
    expect(soa.rcode).toBe('NXDOMAIN');
    expect(soa.authorities?.[0]?.type).toBe('SOA');
  });

  it('answers a Service created through the API, and NXDOMAIN once it is deleted', async () => {
    await core.createNamespacedService({ namespace: 'shop', body: service('cart', '10.96.20.1') });
    await answersA('cart.shop.svc.cluster.local', ['10.96.20.1']);
    await core.deleteNamespacedService({ namespace: 'shop', name: 'cart' });
    await answersNxdomain('cart.shop.svc.cluster.local');
  });

  it('follows the ready endpoints of a headless Service', async () => {
    await core.createNamespacedService({ namespace: 'shop', body: { metadata: { name: 'peers', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'gossip', port: 7946, protocol: 'TCP' }] } } });
    const slice = (ips: string[]) => ({
      metadata: { name: 'peers-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'peers' } },
      addressType: 'IPv4',
      ports: [{ name: 'gossip', port: 7946, protocol: 'TCP' }],
      endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    });
    await discovery.createNamespacedEndpointSlice({ namespace: 'shop', body: slice(['10.244.9.1', '10.244.9.2']) });
    await answersA('peers.shop.svc.cluster.local', ['10.244.9.1', '10.244.9.2']);
    const current = await discovery.readNamespacedEndpointSlice({ namespace: 'shop', name: 'peers-1' });
    await discovery.replaceNamespacedEndpointSlice({ namespace: 'shop', name: 'peers-1', body: { ...slice(['10.244.9.3']), metadata: { ...slice([]).metadata, resourceVersion: current.metadata?.resourceVersion } } });
    await answersA('peers.shop.svc.cluster.local', ['10.244.9.3']);
  });

  it('chases an ExternalName into the zone, at the answerers and through the node cache, and follows its target', async () => {
    await core.createNamespacedService({ namespace: 'shop', body: { metadata: { name: 'members', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } });
    const slice = (ips: string[], resourceVersion?: string) => ({
      metadata: { name: 'members-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'members' }, ...(resourceVersion ? { resourceVersion } : {}) },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    });
    await discovery.createNamespacedEndpointSlice({ namespace: 'shop', body: slice(['10.244.8.1']) });
    await core.createNamespacedService({ namespace: 'shop', body: { metadata: { name: 'alias', namespace: 'shop' }, spec: { type: 'ExternalName', externalName: 'members.shop.svc.cluster.local' } } });
    const chain = (r: Awaited<ReturnType<typeof ask>>) => (r.answers ?? []).flatMap((a) => (a.type === 'OPT' ? [] : [`${a.name} ${a.type} ${String(a.data)}`]));
    const viaCache = (name: string) => query({ host: stack.dns.host, port: stack.cachePort }, name, 'A', { timeoutMs: 1_000 });
    const expected = (ip: string) => ['alias.shop.svc.cluster.local CNAME members.shop.svc.cluster.local', `members.shop.svc.cluster.local A ${ip}`];
    for (const from of [ask, viaCache]) {
      await waitFor(async () => JSON.stringify(chain(await from('alias.shop.svc.cluster.local'))) === JSON.stringify(expected('10.244.8.1')), { timeoutMs: 15_000, message: 'the alias never answered its target' });
    }
    // The target moves: the bus names the target, and the caches drop the alias's answer with it.
    const current = await discovery.readNamespacedEndpointSlice({ namespace: 'shop', name: 'members-1' });
    await discovery.replaceNamespacedEndpointSlice({ namespace: 'shop', name: 'members-1', body: slice(['10.244.8.2'], current.metadata?.resourceVersion) });
    for (const from of [ask, viaCache]) {
      await waitFor(async () => JSON.stringify(chain(await from('alias.shop.svc.cluster.local'))) === JSON.stringify(expected('10.244.8.2')), { timeoutMs: 5_000, message: 'the alias kept the old address' });
    }
  });

  it('forgets a Service deleted while the watcher was down', async () => {
    await core.createNamespacedService({ namespace: 'shop', body: service('ghost', '10.96.20.2') });
    await answersA('ghost.shop.svc.cluster.local', ['10.96.20.2']);
    await stack.processes.get('watcher')!.handle.kill('SIGTERM');
    await core.deleteNamespacedService({ namespace: 'shop', name: 'ghost' });
    // Nothing writes while the watcher is down: the answer stays.
    expect(addresses(await ask('ghost.shop.svc.cluster.local'))).toEqual(['10.96.20.2']);
    await stack.restart('watcher');
    await answersNxdomain('ghost.shop.svc.cluster.local');
  });

  it('hands the lead to the standby when the leader dies', async () => {
    const leader = stack.processes.get('watcher')!;
    const standby = await stack.spawn('watcher-standby', leader.entry, leader.args.map((a) => (a === 'watcher-0' ? 'watcher-1' : a)));
    await leader.handle.kill('SIGKILL');
    await core.createNamespacedService({ namespace: 'shop', body: service('after-failover', '10.96.20.3') });
    // The lease (4 s in the stack) must run out before the standby writes.
    await answersA('after-failover.shop.svc.cluster.local', ['10.96.20.3']);
    expect(standby.handle.lines.some((l) => l.includes('started leading'))).toBe(true);
  });

  it('answers again after an answerer restarts and syncs', async () => {
    const answerer = stack.processes.get('answerer-1')!;
    await answerer.handle.kill('SIGTERM');
    const again = await stack.restart('answerer-1');
    expect(again.handle.lines.some((l) => l.includes('"ready":true'))).toBe(true);
    // Both answerers share the port; every query must be answered whichever gets it.
    for (let i = 0; i < 20; i++) expect(addresses(await ask('web.shop.svc.cluster.local'))).toEqual(['10.96.10.10']);
  });

  it('skips a KV entry with a bad schema and keeps serving the rest', async () => {
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const kv = await new Kvm(nc).open('halo-zone');
      await kv.put('svc.shop.broken', JSON.stringify({ schema: 1, recordSet: { kind: 'Service', name: 'broken' } }));
      await kv.put('svc.shop.future', JSON.stringify({ schema: 99 }));
      await core.createNamespacedService({ namespace: 'shop', body: service('after-bad', '10.96.20.4') });
      await answersA('after-bad.shop.svc.cluster.local', ['10.96.20.4']);
      expect(addresses(await ask('web.shop.svc.cluster.local'))).toEqual(['10.96.10.10']);
      expect(rcodeOf(await ask('broken.shop.svc.cluster.local'))).toBe('NXDOMAIN');
    } finally {
      await nc.close();
    }
  });
});
