// A cache's replies kept pre-encoded by the server (Handler.ttlCountdown) and answered ahead of the chain:
// every copy says what the cache would (same records, the TTL left, counted as a cache hit) and lives
// as the cache entry would (expiry, invalidation, TTL caps), handing the hits back to the cache when a
// prefetch may be due, and taking them again once it is on its way until the refresh replaces the entry. A cache that keeps TTLs as received (keepttl), or a block where a plugin ahead of
// the cache must see every query, keeps no such copies.
import { afterEach, describe, expect, it } from 'vitest';
import type { DecodedPacket, Packet } from 'dns-packet';
import { Registry } from 'prom-client';
import { query } from '@halo/testing';
import { loadServer, type DnsServer } from '../src/index.ts';
import { reply, startTestUpstream } from './dns-fixtures.ts';

/** While true the upstream answers SERVFAIL. */
let failing = false;
const answer =
  (ttl: number) =>
  (q: DecodedPacket): Packet => {
    const name = q.questions?.[0].name ?? '';
    if (failing) return reply(q, [], 2);
    if (q.questions?.[0].type === 'SRV') {
      // A headless Service's SRV: 20 targets with their addresses, more than 512 bytes.
      const targets = Array.from({ length: 20 }, (_, i) => `pod-${i}.${name}`);
      return {
        ...reply(
          q,
          targets.map((target) => ({ name, type: 'SRV', ttl, data: { priority: 0, weight: 5, port: 80, target } })),
        ),
        additionals: targets.map((target, i) => ({ name: target, type: 'A', ttl, data: `10.0.1.${i}` })),
      };
    }
    return reply(q, [
      { name, type: 'A', ttl, data: '10.0.0.1' },
      { name, type: 'A', ttl, data: '10.0.0.2' },
      { name, type: 'A', ttl, data: '10.0.0.3' },
    ]);
  };

const running: { server: DnsServer; upstream: { close(): Promise<void> } }[] = [];
afterEach(async () => {
  for (const { server, upstream } of running.splice(0)) {
    await server.close();
    await upstream.close();
  }
});

async function start(cache: string, ttl = 300) {
  const registry = new Registry();
  const upstream = await startTestUpstream(answer(ttl));
  const loaded = await loadServer(`cluster.local:53 {\n  ${cache}\n  forward . 127.0.0.1:${upstream.port}\n}\n`, {
    context: { metrics: registry },
    listen: { host: '127.0.0.1', port: 0 },
  });
  if (!loaded.ok) {
    await upstream.close();
    throw new Error(JSON.stringify(loaded.errors));
  }
  running.push({ server: loaded.server, upstream });
  const port = loaded.server.addresses().find((a) => a.transport === 'udp')?.port ?? 0;
  const copies = async () => Number(/^halo_dns_fast_path_answers_total (\d+)$/m.exec(await registry.metrics())?.[1] ?? 0);
  return { server: loaded.server, port, seen: upstream.seen, copies };
}

const web = 'web.shop.svc.cluster.local';
const addresses = (r: Awaited<ReturnType<typeof query>>) => (r.answers ?? []).map((rr) => (rr.type === 'A' ? rr.data : '')).sort();
const ttls = (r: Awaited<ReturnType<typeof query>>) => (r.answers ?? []).map((rr) => (rr.type === 'OPT' ? undefined : rr.ttl));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('countdown copies of a cache', () => {
  it('answer the second question with what the cache holds, counted as a cache hit, shuffled per reply', async () => {
    const { server, port, seen, copies } = await start('cache 30');
    const first = await query({ port }, web, 'A');
    const orders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const again = await query({ port }, web, 'A', { id: 1000 + i });
      expect(again.id).toBe(1000 + i);
      expect(addresses(again)).toEqual(addresses(first));
      expect(ttls(again).every((t) => t !== undefined && t <= 30 && t > 0)).toBe(true);
      orders.add((again.answers ?? []).map((rr) => (rr.type === 'A' ? rr.data : '')).join(','));
    }
    expect(await copies()).toBe(30);
    expect(server.caches()[0].stats().hits).toBe(30);
    expect(seen).toHaveLength(1);
    expect(orders.size).toBeGreaterThan(1);
  });

  it('count the TTL down and expire with it: the next question goes upstream again', async () => {
    const { port, seen, copies } = await start('cache 30 {\n    success 9984 30 1\n  }', 3);
    const stored = performance.now();
    expect(ttls(await query({ port }, web, 'A'))).toEqual([3, 3, 3]);
    await sleep(1_100);
    const later = ttls(await query({ port }, web, 'A'));
    expect(later.every((t) => t !== undefined && t < 3 && t > 0)).toBe(true);
    expect(await copies()).toBe(1);
    await sleep(3_100 - (performance.now() - stored));
    expect(ttls(await query({ port }, web, 'A'))).toEqual([3, 3, 3]);
    expect(seen).toHaveLength(2);
  });

  it.each([
    { name: 'dropped with the name', drop: (s: DnsServer) => void s.invalidate([web]), upstream: 2, maxTtl: 30 },
    { name: 'dropped with the zone', drop: (s: DnsServer) => void s.caches()[0].invalidateZone('cluster.local'), upstream: 2, maxTtl: 30 },
    { name: 'capped with the cache: a TTL cap drops them', drop: (s: DnsServer) => s.caches()[0].capTtl('cluster.local', 2), upstream: 1, maxTtl: 2 },
  ])('are $name', async ({ drop, upstream, maxTtl }) => {
    const { server, port, seen, copies } = await start('cache 30');
    await query({ port }, web, 'A');
    await query({ port }, web, 'A');
    expect(await copies()).toBe(1);
    drop(server);
    const after = await query({ port }, web, 'A');
    expect(await copies()).toBe(1);
    expect(seen).toHaveLength(upstream);
    expect(ttls(after).every((t) => t !== undefined && t <= maxTtl)).toBe(true);
  });

  it('stop answering once a prefetch may be due, so the cache sees the hits and refreshes the entry before it expires', async () => {
    // TTL 2, prefetch at 50% left: copies answer for the first second only.
    const { port, seen, copies } = await start('cache 30 {\n    success 9984 30 1\n    prefetch 2 1m 50%\n  }', 2);
    const stored = performance.now();
    await query({ port }, web, 'A');
    await query({ port }, web, 'A');
    expect(await copies()).toBe(1);
    await sleep(1_100);
    // Due: the cache sees this hit (not a copy) and refreshes the entry behind the answer.
    await query({ port }, web, 'A');
    await expect.poll(() => seen.length, { timeout: 2_000, interval: 20 }).toBe(2);
    expect(performance.now() - stored).toBeLessThan(2_000);
    expect(await copies()).toBe(1);
  });

  it('answer a reply truncated to no answers too (an SRV of many targets over 512-byte UDP)', async () => {
    const { port, seen, copies } = await start('cache 30');
    const first = await query({ port }, `_http._tcp.${web}`, 'SRV');
    expect(first.flag_tc).toBe(true);
    expect(first.answers).toEqual([]);
    for (let i = 0; i < 5; i++) {
      const again = await query({ port }, `_http._tcp.${web}`, 'SRV', { id: 2000 + i });
      expect(again).toMatchObject({ id: 2000 + i, flag_tc: true, answers: [], rcode: 'NOERROR' });
    }
    expect(await copies()).toBe(5);
    expect(seen).toHaveLength(1);
    // Over TCP the whole answer, shuffled per reply by the cache, as before.
    const whole = await query({ port }, `_http._tcp.${web}`, 'SRV', { tcp: true });
    expect(whole.answers).toHaveLength(20);
  });

  it('with serve_stale: kept while fresh; once expired the cache answers stale when the upstream fails', async () => {
    const { port, seen, copies } = await start('cache 30 {\n    success 9984 30 1\n    serve_stale\n  }', 1);
    await query({ port }, web, 'A');
    await query({ port }, web, 'A');
    expect(await copies()).toBe(1);
    failing = true;
    try {
      await sleep(1_100);
      const stale = await query({ port }, web, 'A');
      expect(addresses(stale)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
      expect(ttls(stale)).toEqual([30, 30, 30]);
      expect(seen.length).toBeGreaterThan(1);
    } finally {
      failing = false;
    }
  });

  it.each([
    ['keepttl: TTLs as received', 'cache 30 {\n    keepttl\n  }'],
    ['a plugin ahead of the cache sees every query', 'log\n  cache 30'],
  ])('are not kept with %s', async (_label, cache) => {
    const { server, port, seen, copies } = await start(cache);
    for (let i = 0; i < 4; i++) await query({ port }, web, 'A');
    expect(await copies()).toBe(0);
    expect(server.caches()[0].stats().hits).toBe(3);
    expect(seen).toHaveLength(1);
  });
});
