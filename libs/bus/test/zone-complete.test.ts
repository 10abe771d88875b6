// A complete zone over a real nats-server: the marker, a bucket read again after the bus lost its data,
// catching up with the bucket, and a burst applied without holding the event loop.
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, waitFor, type NatsServer } from '@halo/testing';
import type { RecordSet } from '@halo/zone';
import { buckets, connectBus, ensureBucket, zoneCompleteKey, ZoneStore, ZoneWriter } from '../src/index.ts';

const service = (name: string, ip: string): RecordSet => ({
  kind: 'Service',
  namespace: 'shop',
  name,
  type: 'ClusterIP',
  clusterIPs: [ip],
  ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
  publishNotReadyAddresses: false,
  labels: {},
  endpoints: [{ addresses: ['10.244.0.1'], ready: true, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] }],
});

let server: NatsServer;
let writerNc: NatsConnection;
let readerNc: NatsConnection;
const stores: ZoneStore[] = [];
const openStore = async (options?: Parameters<typeof ZoneStore.open>[1]) => {
  const store = await ZoneStore.open(readerNc, options);
  stores.push(store);
  return store;
};

beforeEach(async () => {
  server = await startNatsServer({ jetstream: true });
  writerNc = await connectBus({ servers: server.url, name: 'writer' });
  readerNc = await connectBus({ servers: server.url, name: 'reader' });
});
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  await writerNc?.close();
  await readerNc?.close();
  await server?.stop();
});

describe('a complete zone', () => {
  it('is complete only once the marker is in, whether it comes with the snapshot or after it', async () => {
    const writer = await ZoneWriter.open(writerNc);
    const revision = await writer.put('svc.shop.web', service('web', '10.96.0.10'), []);
    const early = await openStore();
    await early.whenSynced;
    expect(early.synced).toBe(true);
    expect(early.complete).toBe(false);
    expect(early.marker).toBeNull();

    await writer.markComplete({ revision, keys: 1, writer: 'watcher-0' });
    await early.whenComplete;
    expect(early.complete).toBe(true);
    expect(early.marker).toMatchObject({ revision, keys: 1, writer: 'watcher-0' });
    // The marker is no record set.
    expect([...early.entries()].map(([key]) => key)).toEqual(['svc.shop.web']);

    const late = await openStore();
    await late.whenComplete;
    expect(late.get('svc.shop.web')?.kind).toBe('Service');
    expect(late.marker?.revision).toBe(revision);
  });

  it('an empty bucket is synced but not complete', async () => {
    await ensureBucket(writerNc, buckets.zone);
    const store = await openStore();
    await store.whenSynced;
    expect(store.size).toBe(0);
    expect(store.complete).toBe(false);
  });

  it('skips a marker that fails validation, and stays incomplete', async () => {
    const writer = await ZoneWriter.open(writerNc);
    await writer.put('svc.shop.web', service('web', '10.96.0.10'), []);
    await (await ensureBucket(writerNc, buckets.zone)).put(zoneCompleteKey, JSON.stringify({ schema: 1, revision: 'soon' }));
    const invalid: string[] = [];
    const store = await openStore({ onInvalid: (key) => invalid.push(key) });
    await store.whenSynced;
    expect(invalid).toEqual([zoneCompleteKey]);
    expect(store.complete).toBe(false);
  });

  it('catches up with every entry the bucket held when asked', async () => {
    const writer = await ZoneWriter.open(writerNc);
    const store = await openStore();
    await store.whenSynced;
    let last = 0;
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => (last = Math.max(last, await writer.put(`svc.shop.s${i}`, service(`s${i}`, '10.96.1.1'), [])))),
    );
    await store.caughtUp();
    expect(store.revision).toBeGreaterThanOrEqual(last);
    expect(store.size).toBe(200);
  });

  it('applies a burst in slices, letting timers run in between', async () => {
    const writer = await ZoneWriter.open(writerNc);
    const count = 3_000;
    await Promise.all(Array.from({ length: count }, (_, i) => writer.put(`svc.shop.b${i}`, service(`b${i}`, '10.96.2.1'), [])));
    const store = await openStore();
    // A listener with work to do per entry (as an answerer's index has): entries pile up in the queue.
    let applied = 0;
    store.subscribe(() => {
      applied++;
      const until = performance.now() + 0.3;
      while (performance.now() < until);
    });
    let ticksDuring = 0;
    const timer = setInterval(() => {
      if (applied > 0 && applied < count) ticksDuring++;
    }, 1);
    try {
      await store.whenSynced;
      expect(applied).toBe(count);
      // A second's work in a few-ms slices: timers ran between them, not only once the queue was empty.
      expect(ticksDuring).toBeGreaterThan(20);
    } finally {
      clearInterval(timer);
    }
  });
});

describe('a bus that lost its data', () => {
  it('is read again; the old copy answers until the new reading is complete, then only what differs is told', async () => {
    const writer = await ZoneWriter.open(writerNc);
    await writer.put('svc.shop.web', service('web', '10.96.0.10'), []);
    const gone = await writer.put('svc.shop.gone', service('gone', '10.96.0.11'), []);
    await writer.markComplete({ revision: gone, keys: 2, writer: 'watcher-0' });
    const resets: string[] = [];
    const store = await openStore({ onReset: (reason) => resets.push(reason) });
    await store.whenComplete;
    const told: [string, string | null][] = [];
    store.subscribe((key, recordSet) => told.push([key, recordSet ? recordSet.kind : null]));
    const webBefore = store.get('svc.shop.web');

    await server.kill();
    await rm(server.storeDir, { recursive: true, force: true });
    await server.restart();
    await waitFor(() => resets.length > 0, { timeoutMs: 20_000, message: 'the store never noticed the new bucket' });
    expect(resets[0]).toMatch(/recreated|gone/);

    // The watcher writes the zone again (the writer makes the bucket anew), not yet complete.
    const web = await writer.put('svc.shop.web', service('web', '10.96.0.10'), []);
    const added = await writer.put('svc.shop.added', service('added', '10.96.0.12'), []);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(store.complete).toBe(true);
    expect(store.get('svc.shop.gone')).toBeDefined();
    expect(store.get('svc.shop.added')).toBeUndefined();
    expect(told).toEqual([]);

    await writer.markComplete({ revision: Math.max(web, added), keys: 2, writer: 'watcher-1' });
    await waitFor(() => store.marker?.writer === 'watcher-1', { message: 'the new reading never took over' });
    await waitFor(() => told.length === 2, { message: 'the differences were not told' });
    expect(store.get('svc.shop.gone')).toBeUndefined();
    expect(store.get('svc.shop.added')?.kind).toBe('Service');
    // web is the same in both: nothing to tell about it, and the store keeps the object its listeners hold.
    expect(store.get('svc.shop.web')).toBe(webBefore);
    expect(told.sort()).toEqual([
      ['svc.shop.added', 'Service'],
      ['svc.shop.gone', null],
    ]);
    // And it follows the new bucket from there on.
    await writer.put('svc.shop.later', service('later', '10.96.0.13'), []);
    await waitFor(() => store.get('svc.shop.later') !== undefined, { message: 'a later write never arrived' });
  });

  it('a store that takes the reading once its snapshot is in (the watcher) swaps at once', async () => {
    const writer = await ZoneWriter.open(writerNc);
    const revision = await writer.put('svc.shop.web', service('web', '10.96.0.10'), []);
    await writer.markComplete({ revision, keys: 1, writer: 'watcher-0' });
    const store = await openStore({ swapWhen: 'synced', create: { replicas: 1 } });
    await store.whenComplete;
    await server.kill();
    await rm(server.storeDir, { recursive: true, force: true });
    await server.restart();
    await waitFor(() => store.size === 0, { timeoutMs: 20_000, message: 'the store never took the empty bucket' });
    await store.caughtUp();
    expect(store.marker).toBeNull();
  });
});
