// The zone over a real nats-server: writer → KV → store, validation, and one trace across the hop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, trace } from '@opentelemetry/api';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import { assertSpan, startNatsServer, useInMemoryTracing, waitFor, type InMemoryTracing, type NatsServer } from '@halo/testing';
import type { RecordSet } from '@halo/zone';
import { buckets, connectBus, ensureBucket, subscribeZoneChanges, ZoneStore, ZoneWriter, type ZoneChangedV1, type ZoneUpdate } from '../src/index.ts';

const web = (ip: string): RecordSet => ({
  kind: 'Service',
  namespace: 'shop',
  name: 'web',
  type: 'ClusterIP',
  clusterIPs: [ip],
  ports: [],
  publishNotReadyAddresses: false,
  labels: {},
  endpoints: [],
});

const clusterIpOf = (recordSet: RecordSet | undefined) => (recordSet?.kind === 'Service' ? recordSet.clusterIPs[0] : undefined);

let server: NatsServer;
let nc: NatsConnection;
let tracing: InMemoryTracing;

beforeAll(async () => {
  tracing = useInMemoryTracing();
  server = await startNatsServer({ jetstream: true });
  nc = await connectBus({ servers: server.url, name: 'bus-test' });
  // The watcher's part: readers wait for the bucket.
  await ensureBucket(nc, buckets.zone);
});
afterAll(async () => {
  await nc?.close();
  await server?.stop();
  await tracing?.shutdown();
});

describe('zone over the bus', () => {
  it('syncs an empty bucket at once, then sees puts and deletes with the names touched', async () => {
    const store = await ZoneStore.open(nc);
    await store.whenSynced;
    expect(store.size).toBe(0);
    const changes: ZoneChangedV1[] = [];
    const unsubscribe = subscribeZoneChanges(nc, { onChange: (c) => changes.push(c) });
    const writer = await ZoneWriter.open(nc);
    await writer.put('svc.shop.web', web('10.96.0.10'), ['web.shop.svc.cluster.local']);
    await waitFor(() => store.get('svc.shop.web'));
    await writer.delete('svc.shop.web', ['web.shop.svc.cluster.local']);
    await waitFor(() => store.get('svc.shop.web') === undefined);
    await waitFor(() => changes.length === 2);
    expect(changes.map((c) => [c.key, c.names])).toEqual([
      ['svc.shop.web', ['web.shop.svc.cluster.local']],
      ['svc.shop.web', ['web.shop.svc.cluster.local']],
    ]);
    unsubscribe();
    await store.close();
  });

  it("carries each change's revision, deletes too, and tells when the store has reached one", async () => {
    const store = await ZoneStore.open(nc);
    await store.whenSynced;
    const changes: ZoneChangedV1[] = [];
    const unsubscribe = subscribeZoneChanges(nc, { onChange: (c) => changes.push(c) });
    await nc.flush();
    const writer = await ZoneWriter.open(nc);
    const put = await writer.put('svc.shop.rev', web('10.96.0.11'), ['rev.shop.svc.cluster.local']);
    const deleted = await writer.delete('svc.shop.rev', ['rev.shop.svc.cluster.local']);
    expect(deleted).toBeGreaterThan(put);
    await waitFor(() => changes.length === 2);
    expect(changes.map((c) => c.revision)).toEqual([put, deleted]);
    expect(await store.reached(deleted, 5_000)).toBe(true);
    expect(store.revision).toBeGreaterThanOrEqual(deleted);
    // A revision nobody wrote yet: false after the wait, then true once a write reaches it.
    expect(await store.reached(deleted + 1, 50)).toBe(false);
    const waiting = store.reached(deleted + 1, 5_000);
    await writer.put('svc.shop.rev', web('10.96.0.12'), ['rev.shop.svc.cluster.local']);
    expect(await waiting).toBe(true);
    expect(store.get('svc.shop.rev')).toMatchObject({ clusterIPs: ['10.96.0.12'] });
    await writer.delete('svc.shop.rev', ['rev.shop.svc.cluster.local']);
    unsubscribe();
    await store.close();
  });

  it('reads the whole bucket before it says synced, skipping entries that fail validation', async () => {
    const writer = await ZoneWriter.open(nc);
    const kv = await new Kvm(nc).open(buckets.zone);
    await writer.put('svc.shop.a', web('10.96.0.11'), []);
    await kv.put('svc.shop.bad', '{"schema":1,"recordSet":{"kind":"Service"}}');
    await writer.put('svc.shop.b', web('10.96.0.12'), []);
    const invalid: string[] = [];
    const store = await ZoneStore.open(nc, { onInvalid: (key) => invalid.push(key) });
    await store.whenSynced;
    expect([...store.entries()].map(([k]) => k).sort()).toEqual(['svc.shop.a', 'svc.shop.b']);
    expect(invalid).toEqual(['svc.shop.bad']);
    await store.close();
  });

  it('one trace per change: send halo-zone → process halo-zone, send halo.zone.changed → process halo.zone.changed', async () => {
    const store = await ZoneStore.open(nc);
    await store.whenSynced;
    const writer = await ZoneWriter.open(nc);
    tracing.reset();
    const applied: ZoneUpdate[] = [];
    store.subscribe((key, _rs, update) => {
      if (key === 'svc.shop.traced') applied.push(update);
    });
    let changed = false;
    const unsubscribe = subscribeZoneChanges(nc, { onChange: (change) => (changed ||= change.key === 'svc.shop.traced') });
    await nc.flush();
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('zone publish', async (span) => {
      await writer.put('svc.shop.traced', web('10.96.0.13'), ['traced.shop.svc.cluster.local'], '2026-11-23T09:59:58.5Z');
      span.end();
    });
    await waitFor(() => applied.length === 1 && changed);
    const find = (name: string) => tracing.spans().find((s) => s.name === name);
    const root = find('zone publish');
    const sendKv = find('send halo-zone');
    const sendSubject = find('send halo.zone.changed');
    assertSpan(sendKv, {
      kind: SpanKind.PRODUCER,
      parent: root,
      attributes: { 'messaging.system.name': 'nats', 'messaging.destination.name': 'halo-zone', 'halo.zone.key': 'svc.shop.traced' },
    });
    assertSpan(sendSubject, { kind: SpanKind.PRODUCER, parent: root, attributes: { 'halo.zone.names': 1 } });
    assertSpan(find('process halo-zone'), {
      kind: SpanKind.CONSUMER,
      parent: sendKv,
      attributes: { 'halo.zone.key': 'svc.shop.traced', 'messaging.operation.type': 'process' },
    });
    assertSpan(find('process halo.zone.changed'), { kind: SpanKind.CONSUMER, parent: sendSubject, attributes: { 'halo.zone.key': 'svc.shop.traced' } });
    // The source time rides along: the trigger time given to the writer.
    expect(applied[0]?.sourceTime).toBe(Date.parse('2026-11-23T09:59:58.5Z'));
    unsubscribe();
    await store.close();
  });

  it('without a trigger time the source time is when the watcher wrote the entry; for a delete, when the server stored it', async () => {
    const store = await ZoneStore.open(nc);
    await store.whenSynced;
    const writer = await ZoneWriter.open(nc);
    const updates: ZoneUpdate[] = [];
    store.subscribe((key, _rs, update) => {
      if (key === 'svc.shop.timed') updates.push(update);
    });
    const before = Date.now();
    await writer.put('svc.shop.timed', web('10.96.0.14'), []);
    await writer.delete('svc.shop.timed', []);
    await waitFor(() => updates.length === 2);
    const after = Date.now();
    for (const update of updates) {
      expect(update.sourceTime).toBeGreaterThanOrEqual(before - 1_000);
      expect(update.sourceTime).toBeLessThanOrEqual(after + 1_000);
    }
    expect(updates.map((u) => u.recordSet === null)).toEqual([false, true]);
    await store.close();
  });
});

// A watch's consumer lives on one NATS server; when that server dies nats.js notices only after two
// missed 30 s heartbeats. Deleting the consumer stands for that here.
describe('a stalled watch', () => {
  it('is resumed after the last revision applied, and the copy catches up without going back', async () => {
    const resumed: number[] = [];
    const store = await ZoneStore.open(nc, { checkIntervalMs: 200, onWatchResumed: (revision) => resumed.push(revision) });
    await store.whenSynced;
    const writer = await ZoneWriter.open(nc);
    await writer.put('svc.shop.stall', web('10.96.0.30'), []);
    await waitFor(() => store.get('svc.shop.stall'));
    const jsm = await jetstreamManager(nc);
    for await (const consumer of jsm.consumers.list(`KV_${buckets.zone}`)) await jsm.consumers.delete(`KV_${buckets.zone}`, consumer.name);
    const seen: string[] = [];
    store.subscribe((key, recordSet) => seen.push(`${key}=${clusterIpOf(recordSet ?? undefined) ?? 'deleted'}`));
    const revision = await writer.put('svc.shop.stall', web('10.96.0.31'), []);
    await writer.put('svc.shop.other', web('10.96.0.32'), []);
    await waitFor(() => store.get('svc.shop.other'), { timeoutMs: 5_000 });
    expect(resumed).toEqual([revision - 1]);
    expect(seen).toEqual(['svc.shop.stall=10.96.0.31', 'svc.shop.other=10.96.0.32']);
    await store.close();
  });

  it('is found as soon as a query waits in vain for a revision, without the periodic check', async () => {
    const resumed: number[] = [];
    const store = await ZoneStore.open(nc, { checkIntervalMs: 0, onWatchResumed: (revision) => resumed.push(revision) });
    await store.whenSynced;
    const writer = await ZoneWriter.open(nc);
    const jsm = await jetstreamManager(nc);
    for await (const consumer of jsm.consumers.list(`KV_${buckets.zone}`)) await jsm.consumers.delete(`KV_${buckets.zone}`, consumer.name);
    const revision = await writer.put('svc.shop.waited', web('10.96.0.40'), []);
    // What the answerer's revision gate does for a node cache that heard of the change.
    expect(await store.reached(revision, 100)).toBe(false);
    // The node cache asks again within its patience (a second): the watch is resumed by then, not after
    // the second a watch behind gets when nobody waits for it.
    expect(await store.reached(revision, 500)).toBe(true);
    expect(resumed).toHaveLength(1);
    expect(clusterIpOf(store.get('svc.shop.waited'))).toBe('10.96.0.40');
    await store.close();
  });

  it('is left alone while the copy keeps up', async () => {
    const resumed: number[] = [];
    const store = await ZoneStore.open(nc, { checkIntervalMs: 50, onWatchResumed: (revision) => resumed.push(revision) });
    await store.whenSynced;
    const writer = await ZoneWriter.open(nc);
    for (let i = 0; i < 20; i++) {
      await writer.put('svc.shop.busy', web(`10.96.1.${i}`), []);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await waitFor(() => clusterIpOf(store.get('svc.shop.busy')) === '10.96.1.19');
    expect(resumed).toEqual([]);
    await store.close();
  });
});

// Puts are publishes whose acks come back on one inbox: each must still learn its own revision, an
// unknown bucket is made again, and a key KV does not accept writes nothing.
describe("the writer's puts", () => {
  it('many in flight at once: each resolves with the revision the bucket holds for its key', async () => {
    const writer = await ZoneWriter.open(nc);
    const kv = await new Kvm(nc).open(buckets.zone);
    const keys = Array.from({ length: 600 }, (_, i) => `svc.bulk.s${i}`);
    const revisions = await Promise.all(keys.map((key, i) => writer.put(key, web(`10.96.3.${i % 250}`), [])));
    expect(new Set(revisions).size).toBe(keys.length);
    for (const [i, key] of keys.entries()) expect((await kv.get(key))?.revision).toBe(revisions[i]);
  });

  it('makes the bucket again when the bus lost it, and the entry is in the new one', async () => {
    const writer = await ZoneWriter.open(nc);
    await writer.put('svc.shop.before', web('10.96.0.20'), []);
    await (await new Kvm(nc).open(buckets.zone)).destroy();
    const revision = await writer.put('svc.shop.after', web('10.96.0.21'), []);
    const kv = await new Kvm(nc).open(buckets.zone);
    expect((await kv.get('svc.shop.after'))?.revision).toBe(revision);
    expect(await kv.get('svc.shop.before')).toBeNull();
  });

  it.each(['', '.svc.shop', 'svc.shop.', 'svc.shop web', 'svc.shop.*'])('refuses the key %j and writes nothing', async (key) => {
    const writer = await ZoneWriter.open(nc);
    const kv = await new Kvm(nc).open(buckets.zone);
    const before = (await kv.status()).values;
    await expect(writer.put(key, web('10.96.0.22'), [])).rejects.toThrow(/invalid zone key/);
    expect((await kv.status()).values).toBe(before);
  });
});
