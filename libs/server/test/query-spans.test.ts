// Per-query spans: with traceQueries every answer path makes a root SERVER span `DNS <qtype>` (the plugin
// chain, the fast path, a cache plugin's hit; UDP and TCP); without it, none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { assertSpan, useInMemoryTracing, type InMemoryTracing } from '@halo/testing';
import { loadServer, type DnsServer } from '../src/index.ts';
import { decode, MemoryRecordSets, query, service, tcpExchange, udpExchange } from './helpers.ts';

const source = new MemoryRecordSets([service('shop', 'web', { clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] })]);
const corefile = `cluster.local:53 {
    kubernetes cluster.local
}
cached.internal:53 {
    cache 30
    template IN A cached.internal {
        answer "{{ .Name }} 60 IN A 10.9.9.9"
    }
}
broken.internal:53 {
    template IN A broken.internal {
        rcode SERVFAIL
    }
}
`;

let tracing: InMemoryTracing;
const started: DnsServer[] = [];

async function start(traceQueries: boolean): Promise<number> {
  const loaded = await loadServer(corefile, { context: { recordSets: source }, listen: { host: '127.0.0.1', port: 0 }, traceQueries });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  started.push(loaded.server);
  const [address] = loaded.server.addresses();
  if (!address) throw new Error('the server listens nowhere');
  return address.port;
}

beforeAll(() => {
  tracing = useInMemoryTracing();
});
afterAll(async () => {
  for (const server of started) await server.close();
  await tracing?.shutdown();
});

describe('per-query spans', () => {
  it('with traceQueries: one root SERVER span per answer, whichever path answered it', async () => {
    const port = await start(true);
    tracing.reset();
    const first = decode(await udpExchange(port, query('web.shop.svc.cluster.local', 'A')));
    expect(first.answers?.[0]).toMatchObject({ type: 'A', data: '10.96.0.10' });
    await udpExchange(port, query('web.shop.svc.cluster.local', 'A'));
    await udpExchange(port, query('x.cached.internal', 'A'));
    await udpExchange(port, query('x.cached.internal', 'A'));
    await tcpExchange(port, [query('web.shop.svc.cluster.local', 'SRV')]);
    await udpExchange(port, query('x.broken.internal', 'A'));

    const spans = tracing.spans();
    expect(spans).toHaveLength(6);
    const [chain, fast, missed, cached, tcp, failed] = spans;
    for (const span of spans) expect(span.parentSpanContext).toBeUndefined();
    assertSpan(chain, {
      name: 'DNS A',
      kind: SpanKind.SERVER,
      attributes: {
        'dns.question.name': 'web.shop.svc.cluster.local',
        'halo.dns.question.type': 'A',
        'halo.dns.rcode': 'NOERROR',
        'halo.dns.answered_by': 'kubernetes',
        'network.transport': 'udp',
        'client.address': '127.0.0.1',
        'dns.answers': ['10.96.0.10'],
      },
    });
    assertSpan(fast, { name: 'DNS A', attributes: { 'halo.dns.answered_by': 'fast', 'dns.answers': ['10.96.0.10'] } });
    assertSpan(missed, { name: 'DNS A', attributes: { 'dns.question.name': 'x.cached.internal', 'halo.dns.answered_by': 'template' } });
    assertSpan(cached, { name: 'DNS A', attributes: { 'halo.dns.answered_by': 'cache', 'dns.answers': ['10.9.9.9'] } });
    assertSpan(tcp, { name: 'DNS SRV', attributes: { 'network.transport': 'tcp', 'halo.dns.rcode': 'NOERROR' } });
    assertSpan(failed, { name: 'DNS A', status: SpanStatusCode.ERROR, attributes: { 'halo.dns.rcode': 'SERVFAIL', 'halo.dns.answered_by': 'template' } });
  });

  it('without traceQueries: no span at all', async () => {
    const port = await start(false);
    tracing.reset();
    await udpExchange(port, query('web.shop.svc.cluster.local', 'A'));
    await udpExchange(port, query('web.shop.svc.cluster.local', 'A'));
    await tcpExchange(port, [query('web.shop.svc.cluster.local', 'SRV')]);
    expect(tracing.spans()).toEqual([]);
  });
});
