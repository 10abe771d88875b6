// The cache plugin in a real server on real sockets, in front of a real (test) upstream via forward.
import { describe, expect, it } from 'vitest';
import type { DecodedPacket, Packet } from 'dns-packet';
import { query } from '@halo/testing';
import type { DnsServer } from '../../server.ts';
import { clusterSoa, forwardingServers, reply } from '../../../test/dns-fixtures.ts';
import type { TestUpstream } from '../../../test/dns-fixtures.ts';

const servers = forwardingServers();
let server: DnsServer | undefined;
let upstream: TestUpstream | undefined;

const SOA = clusterSoa;

async function start(block: string, answer: (q: DecodedPacket) => Packet, extra = '') {
  let port: number;
  ({ server, upstream, port } = await servers.start((to) => `.:53 {\n  ${block}\n  forward . ${to}\n}\n${extra}`, answer));
  return { port, seen: upstream.seen };
}

let address = 1;
const web = 'web.shop.svc.cluster.local';
const byName = (q: DecodedPacket): Packet => {
  const name = q.questions?.[0].name ?? '';
  if (name.toLowerCase().startsWith('gone.')) return { ...reply(q, [], 3), authorities: [SOA] };
  return reply(q, [
    { name, type: 'A', ttl: 300, data: `10.0.0.${address}` },
    { name, type: 'A', ttl: 300, data: '10.0.1.1' },
  ]);
};

describe('cache plugin in a server', () => {
  const table: { name: string; questions: [string, string][]; upstreamQueries: number; rcode: string }[] = [
    {
      name: 'second query from the cache',
      questions: [
        [web, 'A'],
        [web, 'A'],
      ],
      upstreamQueries: 1,
      rcode: 'NOERROR',
    },
    {
      name: 'mixed case from the cache',
      questions: [
        [web, 'A'],
        ['WEB.Shop.svc.cluster.local', 'A'],
      ],
      upstreamQueries: 1,
      rcode: 'NOERROR',
    },
    {
      name: 'NXDOMAIN from the cache',
      questions: [
        ['gone.shop.svc.cluster.local', 'A'],
        ['gone.shop.svc.cluster.local', 'A'],
      ],
      upstreamQueries: 1,
      rcode: 'NXDOMAIN',
    },
    {
      name: 'types apart',
      questions: [
        [web, 'A'],
        [web, 'AAAA'],
      ],
      upstreamQueries: 2,
      rcode: 'NOERROR',
    },
  ];
  it.each(table)('$name', async ({ questions, upstreamQueries, rcode }) => {
    const { port, seen } = await start('cache 30', byName);
    let last;
    for (const [name, type] of questions) last = await query({ port }, name, type);
    expect(last?.rcode).toBe(rcode);
    expect(seen).toHaveLength(upstreamQueries);
    const asked = questions[questions.length - 1][0];
    for (const rr of last?.answers ?? []) {
      expect(rr.name).toBe(asked);
      expect(rr.type === 'OPT' ? 0 : rr.ttl).toBeLessThanOrEqual(30);
    }
  });

  it('server.invalidate drops the names at once, negative answers too', async () => {
    const { port, seen } = await start('cache 30', byName);
    address = 1;
    const first = await query({ port }, web, 'A');
    expect(first.answers?.map((rr) => (rr.type === 'A' ? rr.data : '')).sort()).toEqual(['10.0.0.1', '10.0.1.1']);
    expect((await query({ port }, 'gone.shop.svc.cluster.local', 'A')).rcode).toBe('NXDOMAIN');
    address = 2;
    expect(server?.caches()).toHaveLength(1);
    expect(server?.invalidate([web + '.', 'gone.shop.svc.cluster.local.'])).toBe(2);
    const second = await query({ port }, web, 'A');
    expect(second.answers?.map((rr) => (rr.type === 'A' ? rr.data : '')).sort()).toEqual(['10.0.0.2', '10.0.1.1']);
    expect((await query({ port }, 'gone.shop.svc.cluster.local', 'A')).rcode).toBe('NXDOMAIN');
    expect(seen).toHaveLength(4);
  });

  it("caches() lists every block's cache, and the new ones after a reload", async () => {
    const { port } = await start('cache 30', byName, 'example.org:53 {\n  cache 10\n  forward . 127.0.0.1:9\n}\n');
    const before = server?.caches() ?? [];
    expect(before).toHaveLength(2);
    await query({ port }, web, 'A');
    expect(before.reduce((n, c) => n + c.size, 0)).toBe(1);
    before[0].capTtl('cluster.local', 2);
    const capped = await query({ port }, web, 'A');
    expect(capped.answers?.every((rr) => rr.type !== 'A' || (rr.ttl ?? 0) <= 2)).toBe(true);
    // A miss under the cap: the reply that fills the cache carries the capped TTL too.
    const miss = await query({ port }, 'api.shop.svc.cluster.local', 'A');
    expect(miss.answers?.map((rr) => (rr.type === 'A' ? rr.ttl : 'other'))).toEqual([2, 2]);
    const reloaded = await server?.reload(`.:53 {\n  cache 30\n  forward . 127.0.0.1:${upstream?.port}\n}\n`);
    expect(reloaded).toEqual({ ok: true });
    const after = server?.caches() ?? [];
    expect(after).toHaveLength(1);
    expect(before).not.toContain(after[0]);
    expect(after[0].size).toBe(0);
  });

  it('a reload with the Corefile it runs already keeps its chains: the same caches, still warm', async () => {
    const corefile = (to: string) => `.:53 {\n  cache 30\n  forward . ${to}\n}\n`;
    const { port, seen } = await start('cache 30', byName);
    await query({ port }, web, 'A');
    const before = server?.caches() ?? [];
    expect(await server?.reload(corefile(`127.0.0.1:${upstream?.port}`))).toEqual({ ok: true });
    expect(server?.caches()).toEqual(before);
    expect(server?.caches()[0]).toBe(before[0]);
    await query({ port }, web, 'A');
    // Answered from the cache filled before the reload.
    expect(seen).toHaveLength(1);
  });

  it("prefetch: the refresh's answer is served as soon as it replaces the entry, not the old one's copy", async () => {
    const ttl10 = (q: DecodedPacket): Packet => {
      const name = q.questions?.[0].name ?? '';
      return reply(q, [{ name, type: 'A', ttl: 10, data: `10.0.0.${address}` }]);
    };
    // Popular at once (1 query), due once 9 s or less of its 10 are left: after one second.
    const { port, seen } = await start('cache {\n    prefetch 1 1m 90%\n  }', ttl10);
    address = 1;
    const data = async () => (await query({ port }, web, 'A')).answers?.map((rr) => (rr.type === 'A' ? rr.data : ''));
    expect(await data()).toEqual(['10.0.0.1']);
    await new Promise((r) => setTimeout(r, 1_100));
    address = 2;
    // This hit tells the prefetch and is answered from the entry; its copy may answer until the refresh.
    expect(await data()).toEqual(['10.0.0.1']);
    await expect.poll(() => seen.length, { timeout: 2_000, interval: 5 }).toBe(2);
    expect(await data()).toEqual(['10.0.0.2']);
    expect(seen).toHaveLength(2);
  });

  it('serve_stale answers from an expired entry while the upstream SERVFAILs', async () => {
    let failing = false;
    const { port } = await start('cache {\n    success 100 1 1\n    serve_stale 1h verified\n  }', (q) => (failing ? reply(q, [], 2) : byName(q)));
    const fresh = await query({ port }, web, 'A');
    expect(fresh.answers?.map((rr) => (rr.type === 'A' ? rr.ttl : 0))).toEqual([1, 1]);
    failing = true;
    // Once the 1 s entry has expired, the SERVFAIL upstream makes the cache answer stale, with TTL 30.
    await expect
      .poll(async () => (await query({ port }, web, 'A')).answers?.map((rr) => (rr.type === 'A' ? rr.ttl : 0)), { timeout: 5_000, interval: 100 })
      .toEqual([30, 30]);
  });
});
