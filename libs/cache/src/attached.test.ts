// Values attached to entries (the cache plugin's pre-encoded replies): they live and die with their
// entry, and a hit through them is counted as `get` counts it.
import { describe, expect, it } from 'vitest';
import type { Answer } from 'dns-packet';
import { ResponseCache } from './cache.ts';
import type { CacheableResponse, ResponseCacheOptions } from './cache.ts';

const A = (name: string, data: string, ttl = 300): Answer => ({ name, type: 'A', class: 'IN', ttl, data });
const ok = (answers: Answer[]): CacheableResponse => ({ rcode: 'NOERROR', answers, authorities: [], additionals: [] });
const web = 'web.shop.svc.cluster.local';
const q = { name: web, type: 'A' };

function cacheWith(options: ResponseCacheOptions = {}) {
  let t = 1_000_000;
  const cache = new ResponseCache<string>({ now: () => t, success: { maxTtl: 30 }, ...options });
  return { cache, advance: (seconds: number) => (t += seconds * 1000) };
}

describe('attached values', () => {
  it('attach needs an entry; the hit carries the value and the TTL left, counted as a hit', () => {
    const { cache, advance } = cacheWith();
    expect(cache.attach(q, 'k', 'wire')).toBe(false);
    cache.set(q, ok([A(web, '10.0.0.1')]));
    expect(cache.attach(q, 'k', 'wire')).toBe(true);
    expect(cache.isAttached('k')).toBe(true);
    advance(10);
    expect(cache.getAttached('k')).toEqual({ value: 'wire', ttl: 20, kind: 'success' });
    expect(cache.stats().hits).toBe(1);
    expect(cache.getAttached('other')).toBeUndefined();
  });

  const gone: { name: string; drop: (c: ResponseCache<string>, advance: (s: number) => void) => void }[] = [
    { name: 'expiry', drop: (_c, advance) => advance(31) },
    { name: 'invalidate by name', drop: (c) => c.invalidate([web + '.']) },
    { name: 'invalidate by zone', drop: (c) => c.invalidateZone('cluster.local') },
    { name: 'replacement by set', drop: (c) => c.set(q, ok([A(web, '10.0.0.2')])) },
    { name: 'clear', drop: (c) => c.clear() },
    {
      name: 'a TTL cap run out',
      drop: (c, advance) => {
        c.capTtl('cluster.local', 2);
        advance(3);
      },
    },
    { name: 'eviction', drop: (c) => c.set({ name: 'api.shop.svc.cluster.local', type: 'A' }, ok([A('api.shop.svc.cluster.local', '10.0.0.9')])) },
  ];
  it.each(gone)('$name takes the value with the entry', ({ drop }) => {
    const { cache, advance } = cacheWith({ success: { maxTtl: 30, capacity: 1 } });
    cache.set(q, ok([A(web, '10.0.0.1')]));
    cache.attach(q, 'k', 'wire');
    drop(cache, advance);
    expect(cache.getAttached('k')).toBeUndefined();
    expect(cache.stats().hits).toBe(0);
  });

  it('a null value is known but never a hit', () => {
    const { cache } = cacheWith();
    cache.set(q, ok([A(web, '10.0.0.1')]));
    cache.attach(q, 'k', null);
    expect(cache.isAttached('k')).toBe(true);
    expect(cache.getAttached('k')).toBeUndefined();
    expect(cache.stats().hits).toBe(0);
  });

  it('a due prefetch is left to get, which reports it once', () => {
    const { cache, advance } = cacheWith({ prefetch: { amount: 2, durationMs: 60_000, percentage: 10 } });
    cache.set(q, ok([A(web, '10.0.0.1')]));
    cache.attach(q, 'k', 'wire');
    expect(cache.getAttached('k')?.ttl).toBe(30);
    advance(28);
    expect(cache.getAttached('k')).toBeUndefined();
    expect(cache.stats().hits).toBe(1);
    expect(cache.get(q)?.prefetch).toBe(true);
    expect(cache.getAttached('k')?.ttl).toBe(2);
    expect(cache.stats()).toMatchObject({ hits: 3, prefetches: 1 });
  });
});
