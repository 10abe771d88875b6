// ZoneSync over a real nats-server, fed by the watcher's own InformerState: the marker of a complete
// sync, a takeover that rewrites nothing unchanged (writes counted), and a bus that lost its data.
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { buckets, connectBus, ensureBucket, subscribeZoneChanges, ZoneStore, type ZoneChangedV1 } from '@halo/bus';
import { startNatsServer, waitFor, type NatsServer } from '@halo/testing';
import { createLogger } from '@halo/telemetry';
import { defaultZoneOptions } from '@halo/zone';
import { InformerState } from '../src/cluster-state.ts';
import { ZoneSync, type ZoneWriteOp } from '../src/zone-sync.ts';

const logger = createLogger('watcher-test');
logger.level = 'warn';
const zoneOptions = defaultZoneOptions({ zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], endpointPodNames: true });

const svc = (name: string, ip: string): V1Service => ({
  metadata: { name, namespace: 'shop', resourceVersion: '1' },
  spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
});
const slice = (service: string, ips: string[]): V1EndpointSlice => ({
  metadata: { name: `${service}-1`, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
});

/** A cluster of `n` Services with an endpoint each, in namespace shop, as the informers would hold it. */
function cluster(n: number): InformerState {
  const state = new InformerState();
  state.onNamespace('add', { metadata: { name: 'shop' } });
  for (let i = 0; i < n; i++) {
    state.onService('add', svc(`s${i}`, `10.96.${i >> 8}.${i & 255}`));
    state.onEndpointSlice('add', slice(`s${i}`, [`10.244.${i >> 8}.${i & 255}`]));
  }
  return state;
}

let server: NatsServer;
const connections: NatsConnection[] = [];
const syncs: ZoneSync[] = [];
const stores: ZoneStore[] = [];

async function replica(identity: string, state: InformerState) {
  const nc = await connectBus({ servers: server.url, name: identity });
  connections.push(nc);
  const writes: Record<ZoneWriteOp, number> = { put: 0, delete: 0, complete: 0 };
  const sync = await ZoneSync.open({ nc, state, zoneOptions, logger, identity, onWrite: (op) => writes[op]++ });
  syncs.push(sync);
  return { sync, writes };
}

async function reader() {
  const nc = await connectBus({ servers: server.url, name: 'reader' });
  connections.push(nc);
  const store = await ZoneStore.open(nc);
  stores.push(store);
  return store;
}

/** The bucket's last revision: every put, delete and marker counts one. */
async function lastRevision(): Promise<number> {
  const nc = await connectBus({ servers: server.url, name: 'counter' });
  connections.push(nc);
  return (await (await ensureBucket(nc, buckets.zone)).status()).streamInfo.state.last_seq;
}

beforeEach(async () => {
  server = await startNatsServer({ jetstream: true });
});
afterEach(async () => {
  for (const sync of syncs.splice(0)) await sync.close();
  for (const store of stores.splice(0)) await store.close();
  for (const nc of connections.splice(0)) await nc.close();
  await server?.stop();
});

describe('ZoneSync', () => {
  it('writes every record set, then marks the zone complete; a reader is complete only then', async () => {
    const { sync, writes } = await replica('watcher-0', cluster(300));
    const store = await reader();
    await store.whenSynced;
    expect(store.complete).toBe(false);
    sync.lead();
    await waitFor(() => sync.complete, { message: 'the zone was never marked complete' });
    await store.whenComplete;
    // 300 Services and the namespace, then the marker.
    expect(writes).toEqual({ put: 301, delete: 0, complete: 1 });
    expect(store.size).toBe(301);
    expect(store.marker).toMatchObject({ writer: 'watcher-0', keys: 301 });
    expect(store.marker?.revision).toBeGreaterThanOrEqual(301);
  });

  it('a standby taking the lead writes only what changed while no one led, and the marker', async () => {
    const leaderState = cluster(300);
    const leader = await replica('watcher-0', leaderState);
    leader.sync.lead();
    await waitFor(() => leader.sync.complete, { message: 'the first leader never completed the zone' });
    // The leader's last change lands just before it goes: the standby must see it in the bucket.
    leaderState.onService('update', { ...svc('s1', '10.96.0.1'), metadata: { name: 's1', namespace: 'shop', labels: { moved: 'yes' }, resourceVersion: '2' } });
    leader.sync.touch('svc.shop.s1');
    await leader.sync.idle();
    await leader.sync.close();
    const before = await lastRevision();

    // The standby's informers: the same cluster, the leader's last change, and two changes of its own.
    const standbyState = cluster(300);
    standbyState.onService('update', {
      ...svc('s1', '10.96.0.1'),
      metadata: { name: 's1', namespace: 'shop', labels: { moved: 'yes' }, resourceVersion: '2' },
    });
    standbyState.onEndpointSlice('update', slice('s2', ['10.244.9.9']));
    standbyState.onService('delete', svc('s3', '10.96.0.3'));
    const standby = await replica('watcher-1', standbyState);
    const store = await reader();
    await store.whenComplete;
    standby.sync.lead();
    await waitFor(() => standby.sync.complete, { message: 'the standby never completed the zone' });

    expect(standby.writes).toEqual({ put: 1, delete: 1, complete: 1 });
    expect((await lastRevision()) - before).toBe(3);
    await waitFor(() => store.marker?.writer === 'watcher-1', { message: 'the reader never saw the new marker' });
    expect(store.get('svc.shop.s3')).toBeUndefined();
    const s2 = store.get('svc.shop.s2');
    expect(s2?.kind === 'Service' && s2.endpoints.flatMap((e) => e.addresses)).toEqual(['10.244.9.9']);
  });

  it('a restarted leader with nothing changed writes only the marker', async () => {
    const first = await replica('watcher-0', cluster(100));
    first.sync.lead();
    await waitFor(() => first.sync.complete, { message: 'never complete' });
    await first.sync.close();
    const before = await lastRevision();
    const again = await replica('watcher-0', cluster(100));
    again.sync.lead();
    await waitFor(() => again.sync.complete, { message: 'never complete again' });
    expect(again.writes).toEqual({ put: 0, delete: 0, complete: 1 });
    expect((await lastRevision()) - before).toBe(1);
  });

  it('names no change while it writes into an empty bucket; once complete, and after a takeover, every write is named', async () => {
    const listener = await connectBus({ servers: server.url, name: 'cache' });
    connections.push(listener);
    const changes: ZoneChangedV1[] = [];
    subscribeZoneChanges(listener, { onChange: (change) => changes.push(change) });
    await listener.flush();

    const state = cluster(50);
    const leader = await replica('watcher-0', state);
    leader.sync.lead();
    await waitFor(() => leader.sync.complete, { message: 'never complete' });
    expect(leader.writes.put).toBe(51);
    state.onEndpointSlice('update', slice('s1', ['10.244.7.7']));
    leader.sync.touch('svc.shop.s1');
    await waitFor(() => changes.length === 1, { message: 'the change after the marker was not named' });
    expect(changes[0]).toMatchObject({ key: 'svc.shop.s1' });
    expect(changes[0]?.names).toContain('10-244-7-7.s1.shop.svc.cluster.local');
    await leader.sync.close();

    // A takeover into the complete bucket names what it writes: caches may hold answers from it.
    const standbyState = cluster(50);
    standbyState.onEndpointSlice('update', slice('s1', ['10.244.7.7']));
    standbyState.onEndpointSlice('update', slice('s2', ['10.244.8.8']));
    const standby = await replica('watcher-1', standbyState);
    standby.sync.lead();
    await waitFor(() => standby.sync.complete, { message: 'the standby never completed the zone' });
    await waitFor(() => changes.length === 2, { message: "the takeover's write was not named" });
    expect(changes.map((c) => c.key)).toEqual(['svc.shop.s1', 'svc.shop.s2']);
  });

  it('writes the whole zone again when the bus lost its data, and marks it complete', async () => {
    const { sync, writes } = await replica('watcher-0', cluster(100));
    sync.lead();
    await waitFor(() => sync.complete, { message: 'never complete' });
    expect(writes.put).toBe(101);

    await server.kill();
    await rm(server.storeDir, { recursive: true, force: true });
    await server.restart();
    await waitFor(() => writes.complete === 2, { timeoutMs: 30_000, message: 'the zone was never written again' });
    expect(writes.put).toBe(202);
    const store = await reader();
    await store.whenComplete;
    expect(store.size).toBe(101);
  });
});
