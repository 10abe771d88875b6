// The fast path behind the plugins kubeadm's Corefile puts around `kubernetes` (loadbalance, loop, …), and
// `cache` ahead of it: what the cache stores is answered from the cache, TTLs counting down, as CoreDNS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { DnsServer } from '../src/index.ts';
import { decode, fastPathHits, MemoryRecordSets, query, service, startServer, udpExchange } from './helpers.ts';

const addrs = ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5', '10.1.0.6'];
const source = new MemoryRecordSets([
  service('shop', 'web', { clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] }),
  service('shop', 'db', { type: 'Headless', endpoints: [{ addresses: addrs, ready: true, ports: [{ name: 'sql', protocol: 'TCP', port: 5432 }] }] }),
]);

const corefile = (extra = '') => `cluster.local:53 {
    errors
    ready 127.0.0.1:0
    kubernetes cluster.local {
        ttl 30
    }
    loop
    loadbalance
    ${extra}
}
`;

const registry = new Registry();
let server: DnsServer;
let port: number;
const hits = () => fastPathHits(registry);

beforeAll(async () => {
  ({ server, port } = await startServer(corefile(), source, registry));
});
afterAll(async () => {
  await server?.close();
});

describe('fast path behind loadbalance', () => {
  const cases: [string, string, string, { rcode: string; answers: number }][] = [
    ['A of a ClusterIP service', 'web.shop.svc.cluster.local', 'A', { rcode: 'NOERROR', answers: 1 }],
    ['SRV of a named port', '_http._tcp.web.shop.svc.cluster.local', 'SRV', { rcode: 'NOERROR', answers: 1 }],
    ['SRV of a headless service (not shuffled)', 'db.shop.svc.cluster.local', 'SRV', { rcode: 'NOERROR', answers: 6 }],
    ['A of a headless service (shuffled on the wire)', 'db.shop.svc.cluster.local', 'A', { rcode: 'NOERROR', answers: 6 }],
    ['NODATA', 'web.shop.svc.cluster.local', 'AAAA', { rcode: 'NOERROR', answers: 0 }],
    ['NXDOMAIN', 'nope.shop.svc.cluster.local', 'A', { rcode: 'NXDOMAIN', answers: 0 }],
  ];
  it.each(cases)('%s: the second answer comes from the fast path, the same as the first', async (_label, name, type, expected) => {
    const first = decode(await udpExchange(port, query(name, type)));
    expect(first.rcode).toBe(expected.rcode);
    expect(first.answers ?? []).toHaveLength(expected.answers);
    const before = await hits();
    const second = decode(await udpExchange(port, query(name, type)));
    expect(await hits()).toBe(before + 1);
    expect(second.rcode).toBe(expected.rcode);
    expect(second.flag_aa).toBe(true);
    const sorted = (p: typeof first) => (p.answers ?? []).map((a) => JSON.stringify(a)).sort();
    expect(sorted(second)).toEqual(sorted(first));
  });

  it('shuffles the addresses of pre-encoded answers as loadbalance does', async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = decode(await udpExchange(port, query('db.shop.svc.cluster.local', 'A')));
      const data = (res.answers ?? []).map((a) => String((a as { data?: unknown }).data));
      expect([...data].sort()).toEqual(addrs);
      orders.add(data.join(','));
    }
    // 20 draws of 720 orders: all equal would mean no shuffle at all.
    expect(orders.size).toBeGreaterThan(1);
  });

  it('a block with rewrite keeps replaced answers off the fast path', async () => {
    const r = await startServer(corefile('rewrite name exact alias.shop.svc.cluster.local web.shop.svc.cluster.local'), source);
    try {
      const other = r.port;
      for (let i = 0; i < 3; i++) {
        const res = decode(await udpExchange(other, query('alias.shop.svc.cluster.local', 'A')));
        expect(res.answers?.[0]).toMatchObject({ name: 'alias.shop.svc.cluster.local', data: '10.96.0.10' });
      }
    } finally {
      await r.server.close();
    }
  });
});

describe('behind cache', () => {
  const ttls = (p: ReturnType<typeof decode>) => (p.answers ?? []).map((a) => (a.type === 'OPT' ? undefined : a.ttl));
  it.each([
    ['A of a ClusterIP service', 'web.shop.svc.cluster.local', 'A'],
    ['SRV of a headless service', 'db.shop.svc.cluster.local', 'SRV'],
  ])('%s: its TTLs count down behind the cache, as CoreDNS counts them', async (_label, name, type) => {
    const reg = new Registry();
    const r = await startServer(corefile('cache 30'), source, reg);
    try {
      const first = decode(await udpExchange(r.port, query(name, type)));
      expect(ttls(first).every((t) => t === 30)).toBe(true);
      // Within a few seconds the remaining TTL drops below 30 (a fixed pre-encoded copy would say 30 until the zone changed).
      let later = first;
      await expect
        .poll(async () => ttls((later = decode(await udpExchange(r.port, query(name, type))))).every((t) => t !== undefined && t < 30), {
          timeout: 10_000,
          interval: 200,
        })
        .toBe(true);
      expect(later.flag_aa).toBe(true);
      const data = (p: typeof first) => (p.answers ?? []).map((a) => JSON.stringify((a as { data?: unknown }).data)).sort();
      expect(data(later)).toEqual(data(first));
    } finally {
      await r.server.close();
    }
  });

  it.each([
    // What the core keeps a copy of is not stored by the cache too; what it cannot (an RRset of several
    // records that is not A/AAAA on the wire: a headless Service's SRV) is.
    { what: 'A of a ClusterIP service', name: 'web.shop.svc.cluster.local', type: 'A', stored: 0 },
    { what: 'NXDOMAIN', name: 'nope.shop.svc.cluster.local', type: 'A', stored: 0 },
    { what: 'A of a headless service (shuffled on the wire)', name: 'db.shop.svc.cluster.local', type: 'A', stored: 0 },
    { what: 'SRV of a headless service', name: 'db.shop.svc.cluster.local', type: 'SRV', stored: 1 },
  ])('$what: $stored cache entries for a kubernetes answer; the next ones are cache hits', async ({ name, type, stored }) => {
    const reg = new Registry();
    const r = await startServer(corefile('cache 30'), source, reg);
    try {
      for (let i = 0; i < 3; i++) await udpExchange(r.port, query(name, type));
      const metric = async (metricName: string) => (await reg.getSingleMetric(metricName)?.get())?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
      expect(await metric('coredns_cache_entries')).toBe(stored);
      expect(await metric('coredns_cache_misses_total')).toBe(1);
      expect(await metric('coredns_cache_hits_total')).toBe(2);
    } finally {
      await r.server.close();
    }
  });

  it('keepttl: the TTL stays, and the fast path answers', async () => {
    const reg = new Registry();
    const r = await startServer(corefile('cache 30 {\n        keepttl\n    }'), source, reg);
    try {
      decode(await udpExchange(r.port, query('web.shop.svc.cluster.local', 'A')));
      const before = await fastPathHits(reg);
      const second = decode(await udpExchange(r.port, query('web.shop.svc.cluster.local', 'A')));
      expect(await fastPathHits(reg)).toBe(before + 1);
      expect(ttls(second)).toEqual([30]);
    } finally {
      await r.server.close();
    }
  });
});

describe('ANY (RFC 8482)', () => {
  it.each([
    ['a name in the cluster zone: AA', 'web.shop.svc.cluster.local', true],
    ['the zone apex: AA', 'cluster.local', true],
  ])('%s', async (_label, name, aa) => {
    const res = decode(await udpExchange(port, query(name, 'ANY')));
    expect(res.rcode).toBe('NOERROR');
    expect(res.answers?.[0]).toMatchObject({ type: 'HINFO', data: { cpu: 'RFC8482' } });
    expect(res.flag_aa).toBe(aa);
  });

  it('a name outside our zones: no AA', async () => {
    const r = await startServer('.:53 {\n    kubernetes cluster.local\n    whoami\n}\n', source);
    try {
      const res = decode(await udpExchange(r.port, query('example.org', 'ANY')));
      expect(res.answers?.[0]).toMatchObject({ type: 'HINFO' });
      expect(res.flag_aa).toBe(false);
    } finally {
      await r.server.close();
    }
  });
});
