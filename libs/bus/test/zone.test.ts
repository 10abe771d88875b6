// The zone over a real nats-server: writer → KV → store, validation, and one trace across the hop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, trace } from '@opentelemetry/api';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { startNatsServer, waitFor, type NatsServer } from '@halo/testing';
import { assertSpan, useInMemoryTracing, type InMemoryTracing } from '@halo/telemetry';
import type { RecordSet } from '@halo/zone';
import { buckets, connectBus, subscribeZoneChanges, ZoneStore, ZoneWriter, type ZoneChangedV1 } from '../src/index.ts';

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

let server: NatsServer;
let nc: NatsConnection;
let tracing: InMemoryTracing;

beforeAll(async () => {
  tracing = useInMemoryTracing();
  server = await startNatsServer({ jetstream: true });
  nc = await connectBus({ servers: server.url, name: 'bus-test' });
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

  it('applies a change in a span that is a child of the span that published it', async () => {
    const store = await ZoneStore.open(nc);
    await store.whenSynced;
    const writer = await ZoneWriter.open(nc);
    tracing.reset();
    let applied = false;
    store.subscribe((key) => {
      if (key === 'svc.shop.traced') applied = true;
    });
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('zone publish', { kind: SpanKind.PRODUCER }, async (span) => {
      await writer.put('svc.shop.traced', web('10.96.0.13'), ['traced.shop.svc.cluster.local']);
      span.end();
    });
    await waitFor(() => applied);
    const publish = tracing.spans().find((s) => s.name === 'zone publish')!;
    const apply = tracing.spans().find((s) => s.name === 'zone apply')!;
    expect(publish).toBeDefined();
    assertSpan(apply, { kind: SpanKind.CONSUMER, attributes: { 'halo.zone.key': 'svc.shop.traced' }, parent: publish });
    expect(apply.spanContext().traceId).toBe(publish.spanContext().traceId);
    expect(apply.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
    await store.close();
  });
});
