import { describe, expect, it } from 'vitest';
import type { Answer } from 'dns-packet';
import type { DnsRequest, DnsResponse, Next } from '../../plugin.ts';
import { CacheHandler } from './handler.ts';
import type { CacheHandlerOptions } from './handler.ts';
import type { CacheConfig } from './setup.ts';

const config = (over: Partial<CacheConfig> = {}): CacheConfig => ({
  zones: ['cluster.local'],
  success: { capacity: 100, maxTtl: 30, minTtl: 5 },
  denial: { capacity: 100, maxTtl: 5, minTtl: 5 },
  disable: { success: [], denial: [] },
  keepTtl: false,
  ...over,
});

function request(qname: string, qtype = 'A', dnssecOk = false): DnsRequest {
  return {
    id: 1,
    qname: qname.replace(/\.$/, ''),
    qnameLower: qname.replace(/\.$/, '').toLowerCase(),
    qtype,
    qclass: 'IN',
    query: { type: 'query', id: 1, questions: [{ name: qname, type: 'A', class: 'IN' }] },
    transport: 'udp',
    remote: { address: '127.0.0.1', port: 5353 },
    udpSize: 1232,
    edns: true,
    dnssecOk,
    zone: 'cluster.local',
  };
}

const A = (name: string, data: string, ttl = 300): Answer => ({ name, type: 'A', class: 'IN', ttl, data });
const SOA: Answer = {
  name: 'cluster.local',
  type: 'SOA',
  class: 'IN',
  ttl: 30,
  data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
};
const answer = (answers: Answer[]): DnsResponse => ({ rcode: 'NOERROR', authoritative: true, answers, authorities: [], additionals: [] });
const nxdomain: DnsResponse = { rcode: 'NXDOMAIN', authoritative: true, answers: [], authorities: [SOA], additionals: [] };
const servfail: DnsResponse = { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };

/** An upstream whose next reply is set by the test; it counts the queries it sees. */
function upstream(initial: DnsResponse | Error) {
  let reply: DnsResponse | Error = initial;
  const seen: string[] = [];
  const next: Next = async (req) => {
    seen.push(`${req.qname} ${req.qtype}`);
    if (reply instanceof Error) throw reply;
    return structuredClone(reply);
  };
  return { next, seen, reply: (r: DnsResponse | Error) => (reply = r) };
}

function handlerWith(cfg: Partial<CacheConfig> = {}, options: CacheHandlerOptions = {}) {
  let t = 1_000_000;
  const handler = new CacheHandler(config(cfg), { now: () => t, ...options });
  return { handler, advance: (seconds: number) => (t += seconds * 1000) };
}

const web = 'web.shop.svc.cluster.local';
const ttls = (r: DnsResponse) => r.answers.map((rr) => (rr.type === 'OPT' ? undefined : rr.ttl));

describe('cache handler: question → answer', () => {
  const table: {
    name: string;
    first: DnsResponse;
    asked: DnsRequest[];
    rcode: string;
    upstreamQueries: number;
    ttl?: number;
  }[] = [
    { name: 'a hit after a miss', first: answer([A(web, '10.0.0.1')]), asked: [request(web), request(web)], rcode: 'NOERROR', upstreamQueries: 1, ttl: 30 },
    {
      name: 'case-insensitive hit',
      first: answer([A(web, '10.0.0.1')]),
      asked: [request(web), request(web.toUpperCase())],
      rcode: 'NOERROR',
      upstreamQueries: 1,
    },
    {
      name: 'NXDOMAIN cached',
      first: nxdomain,
      asked: [request('nope.shop.svc.cluster.local'), request('nope.shop.svc.cluster.local')],
      rcode: 'NXDOMAIN',
      upstreamQueries: 1,
    },
    { name: 'SERVFAIL not cached', first: servfail, asked: [request(web), request(web)], rcode: 'SERVFAIL', upstreamQueries: 2 },
    { name: 'other type misses', first: answer([A(web, '10.0.0.1')]), asked: [request(web), request(web, 'AAAA')], rcode: 'NOERROR', upstreamQueries: 2 },
    { name: 'DO bit kept apart', first: answer([A(web, '10.0.0.1')]), asked: [request(web), request(web, 'A', true)], rcode: 'NOERROR', upstreamQueries: 2 },
    {
      name: 'outside its zones: passed through',
      first: answer([A('example.org', '93.184.215.14')]),
      asked: [request('example.org'), request('example.org')],
      rcode: 'NOERROR',
      upstreamQueries: 2,
    },
  ];
  it.each(table)('$name', async ({ first, asked, rcode, upstreamQueries, ttl }) => {
    const { handler } = handlerWith();
    const up = upstream(first);
    let last: DnsResponse | undefined;
    for (const req of asked) last = await handler.serve(req, up.next);
    expect(last?.rcode).toBe(rcode);
    expect(up.seen).toHaveLength(upstreamQueries);
    if (ttl !== undefined && last) expect(ttls(last)).toEqual([ttl]);
  });

  it('echoes the case of the question', async () => {
    const { handler } = handlerWith();
    const up = upstream(answer([A(web, '10.0.0.1')]));
    await handler.serve(request(web), up.next);
    const r = await handler.serve(request('WEB.shop.SVC.cluster.local'), up.next);
    expect(r.answers[0].name).toBe('WEB.shop.SVC.cluster.local');
  });

  it('decrements the TTL and expires', async () => {
    const { handler, advance } = handlerWith();
    const up = upstream(answer([A(web, '10.0.0.1')]));
    await handler.serve(request(web), up.next);
    advance(10);
    expect(ttls(await handler.serve(request(web), up.next))).toEqual([20]);
    advance(20);
    expect(ttls(await handler.serve(request(web), up.next))).toEqual([30]);
    expect(up.seen).toHaveLength(2);
  });
});

describe('cache handler: prefetch', () => {
  it('refreshes a hot entry behind the answer', async () => {
    const { handler, advance } = handlerWith({ prefetch: { amount: 2, durationMs: 60_000, percentage: 10 } });
    const up = upstream(answer([A(web, '10.0.0.1')]));
    await handler.serve(request(web), up.next);
    up.reply(answer([A(web, '10.0.0.2')]));
    advance(28);
    const r = await handler.serve(request(web), up.next);
    expect(r.answers.map((rr) => (rr.type === 'A' ? rr.data : ''))).toEqual(['10.0.0.1']);
    await Promise.resolve();
    expect(up.seen).toHaveLength(2);
    await expect.poll(async () => (await handler.serve(request(web), up.next)).answers.map((rr) => (rr.type === 'A' ? rr.data : ''))).toEqual(['10.0.0.2']);
  });
});

describe('cache handler: serve-stale', () => {
  const table: { name: string; mode: 'immediate' | 'verified'; after: number; failure: DnsResponse | Error; rcode: string; stale: boolean }[] = [
    { name: 'verified, upstream throws', mode: 'verified', after: 40, failure: new Error('no upstream'), rcode: 'NOERROR', stale: true },
    { name: 'verified, upstream SERVFAILs', mode: 'verified', after: 40, failure: servfail, rcode: 'NOERROR', stale: true },
    { name: 'verified, past the cap', mode: 'verified', after: 100, failure: servfail, rcode: 'SERVFAIL', stale: false },
    { name: 'immediate, upstream SERVFAILs', mode: 'immediate', after: 40, failure: servfail, rcode: 'NOERROR', stale: true },
    { name: 'upstream answers: fresh answer', mode: 'verified', after: 40, failure: answer([A(web, '10.0.0.9')]), rcode: 'NOERROR', stale: false },
  ];
  it.each(table)('$name', async ({ mode, after, failure, rcode, stale }) => {
    const { handler, advance } = handlerWith({ serveStale: { durationMs: 60_000, refreshMode: mode } });
    const up = upstream(answer([A(web, '10.0.0.1')]));
    await handler.serve(request(web), up.next);
    advance(after);
    up.reply(failure);
    const r = await handler.serve(request(web), up.next);
    expect(r.rcode).toBe(rcode);
    if (stale) expect(r.answers).toEqual([expect.objectContaining({ data: '10.0.0.1', ttl: 30 })]);
    else if (rcode === 'NOERROR') expect(r.answers).toEqual([expect.objectContaining({ data: '10.0.0.9' })]);
  });

  it('throws the upstream error when nothing stale is there', async () => {
    const { handler } = handlerWith({ serveStale: { durationMs: 60_000, refreshMode: 'verified' } });
    await expect(handler.serve(request(web), upstream(new Error('no upstream')).next)).rejects.toThrow('no upstream');
  });

  it('immediate: answers stale when the upstream is slower than the client response timer, and refreshes behind', async () => {
    const { handler, advance } = handlerWith({ serveStale: { durationMs: 60_000, refreshMode: 'immediate' } }, { staleAfterMs: 10 });
    const up = upstream(answer([A(web, '10.0.0.1')]));
    await handler.serve(request(web), up.next);
    advance(40);
    let release: (r: DnsResponse) => void = () => undefined;
    const slow: Next = () => new Promise((resolve) => (release = resolve));
    const r = await handler.serve(request(web), slow);
    expect(r.answers).toEqual([expect.objectContaining({ data: '10.0.0.1', ttl: 30 })]);
    release(answer([A(web, '10.0.0.2')]));
    await expect.poll(async () => (await handler.serve(request(web), up.next)).answers).toEqual([expect.objectContaining({ data: '10.0.0.2' })]);
  });
});

describe('cache handler: invalidation', () => {
  it('drops every type of the names at once', async () => {
    const { handler } = handlerWith();
    const up = upstream(answer([A(web, '10.0.0.1')]));
    await handler.serve(request(web), up.next);
    up.reply({ ...nxdomain });
    await handler.serve(request(web, 'AAAA'), up.next);
    expect(handler.cache.size).toBe(2);
    expect(handler.invalidate([web + '.'])).toBe(2);
    up.reply(answer([A(web, '10.0.0.2')]));
    const r = await handler.serve(request(web), up.next);
    expect(r.answers).toEqual([expect.objectContaining({ data: '10.0.0.2' })]);
  });
});
