// The config over a real nats-server: the effective config's trace reaches each instance's apply, a refused
// config marks its span, a config found at start is linked rather than joined, and the status carries the
// instance's programming latency.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { assertSpan, startNatsServer, useInMemoryTracing, waitFor, type InMemoryTracing, type NatsServer } from '@halo/testing';
import {
  buckets,
  ConfigFollower,
  connectBus,
  ensureBucket,
  FragmentStore,
  listInstanceStatus,
  type ApplyResult,
  type EffectiveConfigV1,
} from '../src/index.ts';

let server: NatsServer;
let nc: NatsConnection;
let tracing: InMemoryTracing;

beforeAll(async () => {
  tracing = useInMemoryTracing();
  server = await startNatsServer({ jetstream: true });
  nc = await connectBus({ servers: server.url, name: 'bus-config-test' });
  // The config service's part: answerers and node caches wait for its buckets.
  await ensureBucket(nc, buckets.config);
  await ensureBucket(nc, buckets.status);
});
afterAll(async () => {
  await nc?.close();
  await server?.stop();
  await tracing?.shutdown();
});

const corefile = (text: string) => () => text;

describe('config over the bus, traced', () => {
  it('an apply is the child of the send that wrote the effective config; a refused one is marked; status carries the latency', async () => {
    const store = await FragmentStore.open(nc);
    await store.publishEffective('answerer', corefile(''));
    const applied: EffectiveConfigV1[] = [];
    let refuse = false;
    const follower = await ConfigFollower.open(nc, {
      target: 'answerer',
      instance: 'answerer-7',
      running: null,
      heartbeatMs: 100,
      programmingLatency: () => ({ count: 3, p50Seconds: 0.02, p99Seconds: 1.5 }),
      apply: async (config): Promise<ApplyResult> => {
        if (refuse) return { ok: false, error: 'Corefile:3:1: unknown plugin "hostz"' };
        applied.push(config);
        return { ok: true };
      },
    });
    await follower.whenSynced;
    const initial = applied.at(-1)?.version ?? 0;
    tracing.reset();

    const tracer = trace.getTracer('test');
    const publish = (text: string) =>
      tracer.startActiveSpan('PUT /v1/fragments/:name', { kind: SpanKind.SERVER }, async (span) => {
        const config = await store.publishEffective('answerer', corefile(text));
        span.end();
        return config;
      });
    const first = await publish('a.internal {\n  whoami\n}\n');
    expect(first.version).toBe(initial + 1);
    await waitFor(() => applied.some((c) => c.version === first.version));
    await waitFor(() => tracing.spans().some((s) => s.name === 'process halo-config'));
    const find = (name: string) => tracing.spans().filter((s) => s.name === name);
    const [request] = find('PUT /v1/fragments/:name');
    const [send] = find('send halo-config');
    assertSpan(send, { kind: SpanKind.PRODUCER, parent: request, attributes: { 'halo.config.target': 'answerer', 'halo.config.version': first.version } });
    assertSpan(find('process halo-config')[0], {
      kind: SpanKind.CONSUMER,
      parent: send,
      status: SpanStatusCode.UNSET,
      attributes: { 'halo.config.version': first.version },
    });

    tracing.reset();
    refuse = true;
    const second = await publish('b.internal {\n  whoami\n}\n');
    await waitFor(() => tracing.spans().some((s) => s.name === 'process halo-config'));
    const failed = find('process halo-config')[0];
    assertSpan(failed, {
      parent: find('send halo-config')[0],
      status: SpanStatusCode.ERROR,
      attributes: { 'halo.config.version': second.version, 'error.type': 'config_refused' },
    });
    expect(failed?.status.message).toMatch(/unknown plugin "hostz"/);

    await waitFor(async () => (await listInstanceStatus(nc)).some((s) => s.instance === 'answerer-7' && s.errorVersion === second.version));
    const status = (await listInstanceStatus(nc)).find((s) => s.instance === 'answerer-7');
    expect(status?.programmingLatency).toEqual({ count: 3, p50Seconds: 0.02, p99Seconds: 1.5 });
    await follower.close();
  });

  it('an instance that starts on a config written earlier applies it in a new trace linked to the write', async () => {
    const store = await FragmentStore.open(nc);
    tracing.reset();
    const written = await store.publishEffective('node-cache', corefile('c.internal {\n  whoami\n}\n'));
    const [send] = tracing.spans().filter((s) => s.name === 'send halo-config');
    expect(send).toBeDefined();
    let applied = 0;
    const follower = await ConfigFollower.open(nc, {
      target: 'node-cache',
      instance: 'node-cache-7',
      running: null,
      apply: async (config) => {
        applied = config.version;
        return { ok: true };
      },
    });
    await waitFor(() => applied === written.version);
    await waitFor(() => tracing.spans().some((s) => s.name === 'process halo-config'));
    const process = tracing.spans().find((s) => s.name === 'process halo-config');
    expect(process?.parentSpanContext).toBeUndefined();
    expect(process?.links.map((l) => l.context.spanId)).toEqual([send?.spanContext().spanId]);
    await follower.close();
  });
});

// A watch's consumer lives on one NATS server; when that server dies nats.js notices only after two
// missed 30 s heartbeats. Deleting the consumer stands for that here.
describe('a follower whose watch stalled', () => {
  it('resumes it at the next check and applies the config written meanwhile', async () => {
    const store = await FragmentStore.open(nc);
    await store.publishEffective('answerer', corefile(''));
    let applied = 0;
    const follower = await ConfigFollower.open(nc, {
      target: 'answerer',
      instance: 'answerer-stall',
      running: null,
      heartbeatMs: 100,
      apply: async (config) => {
        applied = config.version;
        return { ok: true };
      },
    });
    await follower.whenSynced;
    const jsm = await jetstreamManager(nc);
    const stream = `KV_${buckets.config}`;
    for await (const consumer of jsm.consumers.list(stream)) await jsm.consumers.delete(stream, consumer.name);
    const written = await store.publishEffective('answerer', corefile('stalled.internal {\n  whoami\n}\n'));
    await waitFor(() => applied === written.version, { timeoutMs: 5_000, message: 'the config written after the watch stalled was never applied' });
    await follower.close();
  });
});
