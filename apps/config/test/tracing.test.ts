// One trace per config change, over a real nats-server: the API request, the validation, the write, a send
// per target and each instance's apply (or its failure), parented as OpenTelemetry's conventions say.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { buckets, connectBus, ConfigFollower, ensureBucket, FragmentStore, listInstanceStatus } from '@halo/bus';
import { assertSpan, startNatsServer, useInMemoryTracing, waitFor, type InMemoryTracing, type NatsServer, type ReadableSpan } from '@halo/testing';
import { buildApp } from '../src/app.ts';
import { Fragments } from '../src/fragments.ts';
import type { Tokens } from '../src/tokens.ts';

const token = 'write-token-123';
const tokens: Tokens = new Map([[token, { name: 'alice', role: 'write' }]]);

let nats: NatsServer;
let nc: NatsConnection;
let app: FastifyInstance;
let tracing: InMemoryTracing;
const followers: ConfigFollower[] = [];

const put = (name: string, text: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'PUT',
    url: `/v1/fragments/${name}`,
    payload: text,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', ...headers },
  });
const named = (name: string) => tracing.spans().filter((s) => s.name === name);

beforeAll(async () => {
  tracing = useInMemoryTracing();
  nats = await startNatsServer({ jetstream: true });
  nc = await connectBus({ servers: nats.url, name: 'config-tracing-test' });
  // As the config service's main does: it owns the status bucket too.
  await ensureBucket(nc, buckets.status);
  const fragments = new Fragments(await FragmentStore.open(nc), { clusterZone: 'cluster.local' });
  await fragments.publish();
  app = await buildApp({ fragments, statuses: () => listInstanceStatus(nc), tokens: () => tokens });
  // One instance that applies, one that refuses.
  for (const [target, instance, ok] of [
    ['answerer', 'answerer-0', true],
    ['node-cache', 'node-cache-0', false],
  ] as const) {
    const follower = await ConfigFollower.open(nc, {
      target,
      instance,
      running: null,
      apply: async () => (ok ? { ok: true } : { ok: false, error: 'Corefile:9:3: cannot listen on 127.0.0.1:53' }),
    });
    await follower.whenSynced;
    followers.push(follower);
  }
});
afterAll(async () => {
  for (const follower of followers) await follower.close();
  await app?.close();
  await nc?.close();
  await nats?.stop();
  await tracing?.shutdown();
});

describe('one trace per config change', () => {
  it('request → validate, write → send per target → each instance applying or failing', async () => {
    tracing.reset();
    const response = await put('extra-hosts', 'example.internal {\n  hosts {\n    10.1.2.3 app.example.internal\n  }\n}\n');
    expect(response.statusCode).toBe(200);
    await waitFor(() => named('process halo-config').length === 2, { timeoutMs: 15_000, message: 'both instances applied' });

    const [request] = named('PUT /v1/fragments/:name');
    assertSpan(request, {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'PUT',
        'http.route': '/v1/fragments/:name',
        'url.path': '/v1/fragments/extra-hosts',
        'http.response.status_code': 200,
      },
    });
    expect(request.parentSpanContext).toBeUndefined();
    assertSpan(named('fragment validate')[0], {
      parent: request,
      status: SpanStatusCode.UNSET,
      attributes: { 'halo.config.fragment': 'extra-hosts', 'halo.config.errors': 0 },
    });
    const write = named('fragment write')[0];
    assertSpan(write, { parent: request, attributes: { 'halo.config.fragment': 'extra-hosts', 'halo.config.version': 1 } });
    const sends = new Map(named('send halo-config').map((s) => [s.attributes['halo.config.target'], s]));
    expect([...sends.keys()].sort()).toEqual(['answerer', 'node-cache']);
    for (const send of sends.values())
      assertSpan(send, {
        kind: SpanKind.PRODUCER,
        parent: write,
        attributes: { 'messaging.system.name': 'nats', 'messaging.destination.name': 'halo-config' },
      });

    const applies = new Map(named('process halo-config').map((s) => [s.attributes['halo.config.target'], s]));
    assertSpan(applies.get('answerer'), { kind: SpanKind.CONSUMER, parent: sends.get('answerer'), status: SpanStatusCode.UNSET });
    assertSpan(applies.get('node-cache'), {
      kind: SpanKind.CONSUMER,
      parent: sends.get('node-cache'),
      status: SpanStatusCode.ERROR,
      attributes: { 'error.type': 'config_refused' },
    });
    expect(applies.get('node-cache')?.status.message).toMatch(/cannot listen/);
    // Everything in one trace.
    const traceIds = new Set(tracing.spans().map((s: ReadableSpan) => s.spanContext().traceId));
    expect(traceIds).toEqual(new Set([request?.spanContext().traceId]));
  });

  it('a refused fragment: the validate span says why, nothing is written, the request is a 422 (not a server error)', async () => {
    tracing.reset();
    const response = await put('typo', 'typo.internal {\n  hostz {\n  }\n}\n');
    expect(response.statusCode).toBe(422);
    await waitFor(() => named('PUT /v1/fragments/:name').length === 1);
    const [request] = named('PUT /v1/fragments/:name');
    assertSpan(request, { status: SpanStatusCode.UNSET, attributes: { 'http.response.status_code': 422 } });
    const [validate] = named('fragment validate');
    assertSpan(validate, { parent: request, status: SpanStatusCode.ERROR, attributes: { 'halo.config.errors': 1, 'error.type': 'invalid_fragment' } });
    expect(validate?.status.message).toMatch(/^1 error\(s\); first: 2:3: /);
    expect(named('fragment write')).toEqual([]);
    expect(named('send halo-config')).toEqual([]);
  });

  it("joins the caller's trace when the request carries a traceparent", async () => {
    tracing.reset();
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await app.inject({
      url: '/v1/status',
      headers: { authorization: `Bearer ${token}`, traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` },
    });
    expect(response.statusCode).toBe(200);
    await waitFor(() => named('GET /v1/status').length === 1);
    const [request] = named('GET /v1/status');
    expect(request?.spanContext().traceId).toBe(callerTrace);
    expect(request?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });
});
