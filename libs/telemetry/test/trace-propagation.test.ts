import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, headers } from '@nats-io/transport-node';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { startNatsServer, useInMemoryTracing, assertSpan } from '@halo/testing';
import type { InMemoryTracing, NatsServer } from '@halo/testing';
import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  extractTrace,
  injectTrace,
  tracer,
  withProcessSpan,
  withSendSpan,
} from '../src/index.ts';

describe('trace context across NATS', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let tracing: InMemoryTracing;

  beforeAll(async () => {
    tracing = useInMemoryTracing();
    server = await startNatsServer({ jetstream: false });
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
    await tracing?.shutdown();
  });
  beforeEach(() => tracing.reset());

  it('a consumer span is the child of the publisher span, through real NATS headers', async () => {
    const subject = 'halo.zone.changed';
    const received = new Promise<Msg>((resolve) => {
      const sub = nc.subscribe(subject, { max: 1 });
      void (async () => {
        for await (const msg of sub) resolve(msg);
      })();
    });
    await nc.flush();

    tracer.startActiveSpan(`publish ${subject}`, { kind: SpanKind.PRODUCER }, (span) => {
      span.setAttribute(ATTR_MESSAGING_SYSTEM, 'nats');
      const h = headers();
      injectTrace(h);
      nc.publish(subject, 'names', { headers: h });
      span.end();
    });

    const msg = await received;
    expect(msg.headers?.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const parentContext = extractTrace(msg.headers ?? headers());
    const consumer = tracer.startSpan(`process ${subject}`, { kind: SpanKind.CONSUMER }, parentContext);
    consumer.setAttribute(ATTR_MESSAGING_DESTINATION_NAME, subject);
    consumer.end();

    const [publish, process] = tracing.spans();
    assertSpan(publish, { name: `publish ${subject}`, kind: SpanKind.PRODUCER, attributes: { [ATTR_MESSAGING_SYSTEM]: 'nats' } });
    assertSpan(process, {
      name: `process ${subject}`,
      kind: SpanKind.CONSUMER,
      parent: publish,
      attributes: { [ATTR_MESSAGING_DESTINATION_NAME]: subject },
    });
  });

  it('withSendSpan / withProcessSpan: `send` and `process` spans named and parented as the messaging conventions say', async () => {
    const subject = 'halo.zone.changed';
    const received = new Promise<Msg>((resolve) => {
      const sub = nc.subscribe(subject, { max: 1 });
      void (async () => {
        for await (const msg of sub) resolve(msg);
      })();
    });
    await nc.flush();
    withSendSpan(subject, { 'halo.zone.key': 'svc.shop.web' }, () => {
      const h = headers();
      injectTrace(h);
      nc.publish(subject, 'names', { headers: h });
    });
    const msg = await received;
    const seenActive = withProcessSpan(subject, msg.headers, { 'halo.cache.dropped': 3 }, (span) => trace.getActiveSpan() === span);
    expect(seenActive).toBe(true);
    const [send, process] = tracing.spans();
    assertSpan(send, {
      name: `send ${subject}`,
      kind: SpanKind.PRODUCER,
      attributes: {
        [ATTR_MESSAGING_SYSTEM]: 'nats',
        [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
        [ATTR_MESSAGING_DESTINATION_NAME]: subject,
        'halo.zone.key': 'svc.shop.web',
      },
    });
    assertSpan(process, {
      name: `process ${subject}`,
      kind: SpanKind.CONSUMER,
      parent: send,
      attributes: { [ATTR_MESSAGING_OPERATION_TYPE]: 'process', 'halo.cache.dropped': 3 },
    });
  });

  it('withProcessSpan with link starts a new trace linked to the sender; a failure marks the span', async () => {
    const carrier: Record<string, string> = {};
    withSendSpan('halo-config', {}, () => injectTrace(carrier));
    await expect(
      withProcessSpan(
        'halo-config',
        carrier,
        {},
        async () => {
          throw new Error('refused');
        },
        { link: true },
      ),
    ).rejects.toThrow('refused');
    const [send, process] = tracing.spans();
    expect(process?.parentSpanContext).toBeUndefined();
    expect(process?.spanContext().traceId).not.toBe(send?.spanContext().traceId);
    expect(process?.links.map((l) => l.context.spanId)).toEqual([send?.spanContext().spanId]);
    assertSpan(process, { status: SpanStatusCode.ERROR });
    expect(process?.status.message).toBe('refused');
  });

  it('a plain object carrier (inside a KV value) round-trips the context', () => {
    const carrier: Record<string, string> = {};
    const parent = tracer.startSpan('put svc.shop.web');
    injectTrace(carrier, trace.setSpan(context.active(), parent));
    parent.end();
    // As it would be after JSON inside a KV value.
    const decoded = JSON.parse(JSON.stringify({ trace: carrier })) as { trace: Record<string, string> };
    const child = tracer.startSpan('apply svc.shop.web', {}, extractTrace(decoded.trace));
    child.end();
    const [put, apply] = tracing.spans();
    assertSpan(apply, { name: 'apply svc.shop.web', parent: put });
  });

  it('extract from an empty carrier gives a context without a span', () => {
    expect(trace.getSpan(extractTrace({}))).toBeUndefined();
    expect(trace.getSpan(extractTrace(headers()))).toBeUndefined();
  });

  it('assertSpan reports a wrong parent', () => {
    const a = tracer.startSpan('a');
    a.end();
    const b = tracer.startSpan('b');
    b.end();
    const [spanA, spanB] = tracing.spans();
    expect(() => assertSpan(spanB, { parent: spanA })).toThrow(/parent span id is none/);
  });
});
