// The stack with a real Jaeger v2: a Service change and a fragment change, each one trace in Jaeger's HTTP
// query API, with spans from the watcher (or the config service), both answerers and the node cache,
// parented as the messaging conventions say.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '@halo/kube';
import { findJaeger, jaegerMissingMessage, query, waitFor } from '@halo/testing';
import { startStack, type Stack } from '../src/index.ts';

const haveJaeger = findJaeger() !== null;
if (!haveJaeger) console.warn(`Jaeger test skipped: ${jaegerMissingMessage}`);

/** Jaeger's query API (v1 JSON) as much as this test reads of it. */
interface JaegerTrace {
  traceID: string;
  spans: {
    spanID: string;
    operationName: string;
    processID: string;
    references: { refType: string; spanID: string }[];
    tags: { key: string; value: unknown }[];
  }[];
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>;
}

/** A span with what the assertions need: its service and instance, its parent, its tags. */
interface Span {
  id: string;
  name: string;
  service: string;
  instance: string;
  parent: string | null;
  tags: Record<string, unknown>;
}

function spansOf(t: JaegerTrace): Span[] {
  return t.spans.map((s) => {
    const process = t.processes[s.processID];
    return {
      id: s.spanID,
      name: s.operationName,
      service: process?.serviceName ?? '',
      instance: String(process?.tags.find((tag) => tag.key === 'service.instance.id')?.value ?? ''),
      parent: s.references.find((r) => r.refType === 'CHILD_OF')?.spanID ?? null,
      tags: Object.fromEntries(s.tags.map((tag) => [tag.key, tag.value])),
    };
  });
}

/** The one span of this name; fails the test when there are none or several. */
function onlySpan(spans: Span[], name: string): Span {
  const matching = spans.filter((s) => s.name === name);
  expect(matching.map((s) => s.name)).toEqual([name]);
  const [span] = matching;
  if (!span) throw new Error(`no span ${name}`);
  return span;
}

let stack: Stack;
let core: CoreV1Api;

async function traces(params: Record<string, string>): Promise<JaegerTrace[]> {
  if (!stack.jaeger) throw new Error('the stack runs no Jaeger');
  const url = new URL('/api/traces', stack.jaeger.queryUrl);
  for (const [key, value] of Object.entries({ lookback: '1h', limit: '50', ...params })) url.searchParams.set(key, value);
  const response = await fetch(url);
  if (!response.ok) return [];
  return ((await response.json()) as { data: JaegerTrace[] | null }).data ?? [];
}

beforeAll(async () => {
  if (!haveJaeger) return;
  stack = await startStack({ answerers: 2, jaeger: {} });
  core = loadKubeConfig({ kubeServer: stack.kubeUrl }).makeApiClient(CoreV1Api);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe.skipIf(!haveJaeger)('traced in Jaeger, end to end', () => {
  it('a Service change is one trace: the watcher publishes, both answerers apply, the node cache drops the names', async () => {
    await core.createNamespacedService({
      namespace: 'shop',
      body: { metadata: { name: 'traced', namespace: 'shop' }, spec: { clusterIP: '10.96.30.1', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
    });
    await waitFor(async () => (await query(stack.dns, 'traced.shop.svc.cluster.local', 'A', { timeoutMs: 1_000 })).answers?.length === 1, {
      timeoutMs: 15_000,
      message: 'traced.shop.svc.cluster.local never answered',
    });

    // Every process exports within about a second; wait until the trace holds all of them.
    const found = await waitFor(
      async () => {
        const all = await traces({ service: 'halo-watcher', tags: JSON.stringify({ 'halo.zone.key': 'svc.shop.traced' }) });
        const spans = all.length === 1 && all[0] ? spansOf(all[0]) : [];
        const applies = spans.filter((s) => s.name === 'process halo-zone');
        const drops = spans.filter((s) => s.name === 'process halo.zone.changed');
        return applies.length >= 2 && drops.length >= 1 ? { all, spans } : null;
      },
      { timeoutMs: 60_000, intervalMs: 500, message: 'Jaeger never held one trace with the watcher, both answerers and the node cache' },
    );
    expect(found.all).toHaveLength(1);
    const { spans } = found;
    const one = (name: string) => onlySpan(spans, name);
    const publish = one('zone publish');
    expect(publish).toMatchObject({ service: 'halo-watcher', instance: 'watcher-0', parent: null });
    expect(publish.tags).toMatchObject({ 'halo.zone.key': 'svc.shop.traced', 'k8s.namespace.name': 'shop', 'k8s.service.name': 'traced' });
    const sendKv = one('send halo-zone');
    const sendSubject = one('send halo.zone.changed');
    for (const send of [sendKv, sendSubject]) {
      expect(send).toMatchObject({ service: 'halo-watcher', parent: publish.id });
      expect(send.tags).toMatchObject({ 'span.kind': 'producer', 'messaging.system.name': 'nats', 'messaging.operation.type': 'send' });
    }
    const applies = spans.filter((s) => s.name === 'process halo-zone');
    expect(applies.map((s) => [s.service, s.instance, s.parent]).sort()).toEqual([
      ['halo-answerer', 'answerer-0', sendKv.id],
      ['halo-answerer', 'answerer-1', sendKv.id],
    ]);
    for (const apply of applies)
      expect(apply.tags).toMatchObject({ 'span.kind': 'consumer', 'messaging.destination.name': 'halo-zone', 'halo.zone.key': 'svc.shop.traced' });
    const drop = one('process halo.zone.changed');
    expect(drop).toMatchObject({ service: 'halo-node-cache', instance: 'node-cache-0', parent: sendSubject.id });
    expect(drop.tags).toMatchObject({ 'span.kind': 'consumer', 'halo.zone.key': 'svc.shop.traced' });
    expect(typeof drop.tags['halo.cache.dropped']).toBe('number');
  });

  it('a fragment change is one trace: the request, validation, the write, and each instance applying it', async () => {
    const response = await fetch(`${stack.config.url}/v1/fragments/traced`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.config.token}`, 'content-type': 'text/plain' },
      body: 'traced.internal {\n  hosts {\n    10.9.9.9 www.traced.internal\n  }\n}\n',
    });
    expect(response.status).toBe(200);

    const found = await waitFor(
      async () => {
        const all = await traces({ service: 'halo-config', operation: 'PUT /v1/fragments/:name' });
        const spans = all.length === 1 && all[0] ? spansOf(all[0]) : [];
        const applies = spans.filter((s) => s.name === 'process halo-config');
        return applies.length >= 3 ? { all, spans } : null;
      },
      { timeoutMs: 60_000, intervalMs: 500, message: 'Jaeger never held one trace with the config service, both answerers and the node cache' },
    );
    expect(found.all).toHaveLength(1);
    const { spans } = found;
    const request = onlySpan(spans, 'PUT /v1/fragments/:name');
    expect(request).toMatchObject({ service: 'halo-config', parent: null });
    expect(request.tags).toMatchObject({ 'span.kind': 'server', 'http.response.status_code': 200, 'url.path': '/v1/fragments/traced' });
    const validate = onlySpan(spans, 'fragment validate');
    const write = onlySpan(spans, 'fragment write');
    expect(validate).toMatchObject({ service: 'halo-config', parent: request.id });
    expect(write).toMatchObject({ service: 'halo-config', parent: request.id });
    const sends = new Map(spans.filter((s) => s.name === 'send halo-config').map((s) => [s.tags['halo.config.target'], s.id]));
    expect([...sends.keys()].sort()).toEqual(['answerer', 'node-cache']);
    for (const send of spans.filter((s) => s.name === 'send halo-config')) expect(send.parent).toBe(write.id);
    const applies = spans.filter((s) => s.name === 'process halo-config');
    expect(applies.map((s) => [s.service, s.instance, s.parent]).sort()).toEqual([
      ['halo-answerer', 'answerer-0', sends.get('answerer')],
      ['halo-answerer', 'answerer-1', sends.get('answerer')],
      ['halo-node-cache', 'node-cache-0', sends.get('node-cache')],
    ]);
    for (const apply of applies) expect(apply.tags['otel.status_code']).toBeUndefined();
  });
});
