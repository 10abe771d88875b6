// Cache hits from pre-encoded replies (wire.ts) in a real server on real sockets: the third ask of a
// question is copied from the reply the second left on the entry. Every reply must be what the whole
// way gives: same rcode and records, the client's id and case, the TTL left, shuffled RRsets.
import { describe, expect, it } from 'vitest';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import { query } from '@halo/testing';
import type { DnsResponse as ClientResponse } from '@halo/testing';
import { Registry } from 'prom-client';
import { loadServer, type DnsServer } from '../../index.ts';
import { clusterSoa, forwardingServers, reply, startTestUpstream } from '../../../test/dns-fixtures.ts';
import { CacheHandler } from './handler.ts';

const servers = forwardingServers();
let server: DnsServer | undefined;

const SOA = clusterSoa;

let generation = 1;
const answer = (q: DecodedPacket): Packet => {
  const name = q.questions?.[0].name ?? '';
  const type = q.questions?.[0].type;
  const lower = name.toLowerCase();
  if (lower.startsWith('gone.')) return { ...reply(q, [], 3), authorities: [SOA] };
  if (lower.startsWith('alias.')) {
    return reply(q, [
      { name, type: 'CNAME', ttl: 300, data: 'web.shop.svc.cluster.local' },
      { name: 'web.shop.svc.cluster.local', type: 'A', ttl: 300, data: '10.0.0.1' },
    ]);
  }
  if (type === 'A') {
    return reply(q, [
      { name, type: 'A', ttl: 300, data: `10.0.${generation}.1` },
      { name, type: 'A', ttl: 300, data: '10.0.0.2' },
      { name, type: 'A', ttl: 300, data: '10.0.0.3' },
    ]);
  }
  if (type === 'SRV') {
    const targets = ['a.web.shop.svc.cluster.local', 'b.web.shop.svc.cluster.local'];
    return {
      ...reply(
        q,
        targets.map((target) => ({ name, type: 'SRV' as const, ttl: 300, data: { priority: 0, weight: 50, port: 80, target } })),
      ),
      additionals: targets.map((t, i) => ({ name: t, type: 'A' as const, ttl: 300, data: `10.1.0.${i}` })),
    };
  }
  return { ...reply(q), authorities: [SOA] };
};

async function start(block = 'cache 30') {
  const started = await servers.start(
    (to) => `cluster.local:53 {\n  ${block}\n  forward . ${to}\n}\n`,
    (q) => answer(q),
  );
  server = started.server;
  return { port: started.port, seen: started.upstream.seen };
}

/** The plugin's handler, reached through the cache it holds. */
function handler(): CacheHandler {
  const cache = server?.caches()[0];
  // caches() gives the ResponseCache; its handler is the one whose `cache` it is.
  const found = handlerOf.get(cache as object);
  if (!found) throw new Error('no cache handler');
  return found;
}
const handlerOf = new WeakMap<object, CacheHandler>();
/**
 * Queries that reached the cache through the chain. A hit copied out of a pre-encoded reply does not:
 * the cache's own wire copies (wire.ts) or the server's countdown copies of its replies (see
 * test/countdown-copies.test.ts), whichever holds the reply.
 */
let chained = 0;
const serveOriginal = CacheHandler.prototype.serve;
CacheHandler.prototype.serve = function (this: CacheHandler, ...args: Parameters<CacheHandler['serve']>) {
  handlerOf.set(this.cache, this);
  chained++;
  return serveOriginal.apply(this, args);
};

/** A reply as a comparable shape: rcode, flags that matter, sections as text, sorted within RRsets. */
function shape(r: ClientResponse) {
  const text = (rr: Answer) => (rr.type === 'OPT' ? 'OPT' : `${rr.name} ${rr.type} ${JSON.stringify(rr.data)}`);
  return {
    rcode: r.rcode,
    flags: (r.flags ?? 0) & ~0x0200,
    answers: (r.answers ?? []).map(text).sort(),
    authorities: (r.authorities ?? []).map(text),
    additionals: (r.additionals ?? []).map(text).sort(),
  };
}

const ttls = (r: ClientResponse) =>
  [...(r.answers ?? []), ...(r.authorities ?? []), ...(r.additionals ?? [])].filter((rr) => rr.type !== 'OPT').map((rr) => rr.ttl);

describe("cache hits from pre-encoded replies, the cache's or the server's", () => {
  const table: { name: string; qname: string; qtype: string; options?: { edns?: number; tcp?: boolean; rd?: boolean }; rcode: string }[] = [
    { name: 'A RRset of three', qname: 'web.shop.svc.cluster.local', qtype: 'A', rcode: 'NOERROR' },
    { name: 'A with EDNS', qname: 'web.shop.svc.cluster.local', qtype: 'A', options: { edns: 1232 }, rcode: 'NOERROR' },
    { name: 'A over TCP', qname: 'web.shop.svc.cluster.local', qtype: 'A', options: { tcp: true }, rcode: 'NOERROR' },
    { name: 'A without RD', qname: 'web.shop.svc.cluster.local', qtype: 'A', options: { rd: false }, rcode: 'NOERROR' },
    { name: 'mixed case echoed', qname: 'WeB.ShOp.svc.Cluster.local', qtype: 'A', rcode: 'NOERROR' },
    { name: 'CNAME then A', qname: 'alias.shop.svc.cluster.local', qtype: 'A', rcode: 'NOERROR' },
    { name: 'SRV with targets and glue', qname: '_http._tcp.web.shop.svc.cluster.local', qtype: 'SRV', options: { edns: 4096 }, rcode: 'NOERROR' },
    { name: 'NODATA with SOA', qname: 'web.shop.svc.cluster.local', qtype: 'AAAA', rcode: 'NOERROR' },
    { name: 'NXDOMAIN with SOA', qname: 'gone.shop.svc.cluster.local', qtype: 'A', rcode: 'NXDOMAIN' },
  ];
  it.each(table)('$name', async ({ qname, qtype, options, rcode }) => {
    const { port, seen } = await start();
    const first = await query({ port }, qname, qtype, options);
    const second = await query({ port }, qname, qtype, options);
    const before = chained;
    const third = await query({ port }, qname, qtype, { ...options, id: 4242 });
    expect(chained).toBe(before);
    expect(seen).toHaveLength(1);
    expect(third.rcode).toBe(rcode);
    expect(third.id).toBe(4242);
    expect(shape(third)).toEqual(shape(second));
    expect(shape(third)).toEqual(shape(first));
    expect(third.questions?.[0].name).toBe(qname);
    for (const rr of third.answers ?? []) if (rr.name.toLowerCase() === qname.toLowerCase()) expect(rr.name).toBe(qname);
    for (const ttl of ttls(third)) expect(ttl).toBeGreaterThan(0);
    for (const ttl of ttls(third)) expect(ttl).toBeLessThanOrEqual(rcode === 'NXDOMAIN' || qtype === 'AAAA' ? 5 : 30);
    expect(server?.caches()[0].stats().hits).toBe(2);
  });

  it('shuffles an RRset per reply', async () => {
    const { port } = await start();
    const qname = 'web.shop.svc.cluster.local';
    await query({ port }, qname, 'A');
    await query({ port }, qname, 'A');
    const before = chained;
    const orders = new Set<string>();
    for (let i = 0; i < 40; i++) orders.add(((await query({ port }, qname, 'A')).answers ?? []).map((rr) => (rr.type === 'A' ? rr.data : '')).join(','));
    expect(chained).toBe(before);
    expect(orders.size).toBeGreaterThan(1);
  });

  it('shuffles SRV records (several pre-encoded orders)', async () => {
    const { port } = await start();
    const qname = '_http._tcp.web.shop.svc.cluster.local';
    await query({ port }, qname, 'SRV');
    await query({ port }, qname, 'SRV');
    const before = chained;
    const orders = new Set<string>();
    for (let i = 0; i < 40; i++)
      orders.add(((await query({ port }, qname, 'SRV')).answers ?? []).map((rr) => (rr.type === 'SRV' ? rr.data.target : '')).join(','));
    // Several targets cannot be shuffled in place: the cache's wire copies, in pre-encoded orders.
    expect(handler().wireHits).toBe(40);
    expect(chained).toBe(before);
    expect(orders.size).toBe(2);
  });

  it('invalidation and TTL caps rule the pre-encoded replies too', async () => {
    const { port, seen } = await start();
    const qname = 'web.shop.svc.cluster.local';
    generation = 1;
    for (let i = 0; i < 2; i++) await query({ port }, qname, 'A');
    const before = chained;
    await query({ port }, qname, 'A');
    expect(chained).toBe(before);
    server?.caches()[0].capTtl('cluster.local', 2);
    const capped = await query({ port }, qname, 'A');
    expect(ttls(capped).every((t) => (t ?? 0) <= 2)).toBe(true);
    generation = 2;
    expect(server?.invalidate([qname])).toBe(1);
    const fresh = await query({ port }, qname, 'A');
    expect(seen).toHaveLength(2);
    expect(fresh.answers?.map((rr) => (rr.type === 'A' ? rr.data : '')).sort()).toEqual(['10.0.0.2', '10.0.0.3', '10.0.2.1']);
    server?.caches()[0].capTtl('cluster.local', null);
  });

  it('a block that logs never answers from the wire', async () => {
    const { port } = await start('log\n  cache 30');
    const before = chained;
    for (let i = 0; i < 4; i++) await query({ port }, 'web.shop.svc.cluster.local', 'A');
    expect(handler().wireHits).toBe(0);
    expect(chained).toBe(before + 4);
    expect(server?.caches()[0].stats().hits).toBe(3);
  });
});

describe('cache hits from pre-encoded replies in the metrics', () => {
  it('are counted per listener, transport and family, as the whole way counts them, one cache behind two listeners', async () => {
    const registry = new Registry();
    const upstream = await startTestUpstream((q) => answer(q));
    const loaded = await loadServer(`cluster.local:53 {\n  cache 30\n  forward . 127.0.0.1:${upstream.port}\n}\n`, {
      context: { metrics: registry },
      listen: [
        { host: '127.0.0.1', port: 0 },
        { host: '127.0.0.2', port: 0 },
      ],
    });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    try {
      const udp = loaded.server.addresses().filter((a) => a.transport === 'udp');
      const [one, two] = udp.map((a) => ({ host: a.host, port: a.port }));
      const web = 'web.shop.svc.cluster.local';
      // Listener one: a miss, a hit the whole way, three from the wire; then two from the wire at the
      // second listener (the same cache entry); then listener one again, and twice over TCP (a client
      // class of its own: the whole way, then from the wire).
      for (let i = 0; i < 5; i++) await query(one, web, 'A');
      for (let i = 0; i < 2; i++) await query(two, web, 'A');
      for (let i = 0; i < 2; i++) await query(one, web, 'A');
      await query(one, web, 'A', { tcp: true });
      await query(one, web, 'A', { tcp: true });
      const text = await registry.metrics();
      const count = (metric: string, labels: string) =>
        Number(new RegExp(`^${metric}\\{${labels.replace(/[.]/g, '\\.')}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      const server = (a: { host: string; port: number }) => `server="dns://${a.host}:${a.port}"`;
      expect(count('coredns_dns_responses_total', `${server(one)},zone="cluster.local.",view="",rcode="NOERROR",plugin="cache"`)).toBe(4 + 2 + 2);
      expect(count('coredns_dns_responses_total', `${server(two)},zone="cluster.local.",view="",rcode="NOERROR",plugin="cache"`)).toBe(2);
      expect(count('coredns_dns_requests_total', `${server(one)},zone="cluster.local.",view="",proto="udp",family="1",type="A"`)).toBe(7);
      expect(count('coredns_dns_requests_total', `${server(one)},zone="cluster.local.",view="",proto="tcp",family="1",type="A"`)).toBe(2);
      expect(count('coredns_dns_requests_total', `${server(two)},zone="cluster.local.",view="",proto="udp",family="1",type="A"`)).toBe(2);
      expect(upstream.seen.length).toBe(1);
    } finally {
      await loaded.server.close();
      await upstream.close();
    }
  });
});
