import { describe, expect, it } from 'vitest';
import type { Answer } from 'dns-packet';
import { Registry } from 'prom-client';
import { ResponseCache } from './cache.ts';
import type { CacheableResponse, CacheQuestion, ResponseCacheOptions } from './cache.ts';

const A = (name: string, data: string, ttl = 300): Answer => ({ name, type: 'A', class: 'IN', ttl, data });
const AAAA = (name: string, data: string, ttl = 300): Answer => ({ name, type: 'AAAA', class: 'IN', ttl, data });
const CNAME = (name: string, data: string, ttl = 300): Answer => ({ name, type: 'CNAME', class: 'IN', ttl, data });
const SRV = (name: string, target: string, ttl = 300): Answer => ({
  name,
  type: 'SRV',
  class: 'IN',
  ttl,
  data: { priority: 0, weight: 100, port: 80, target },
});
const PTR = (name: string, data: string, ttl = 300): Answer => ({ name, type: 'PTR', class: 'IN', ttl, data });
const SOA = (zone: string, ttl: number, minimum: number): Answer => ({
  name: zone,
  type: 'SOA',
  class: 'IN',
  ttl,
  data: { mname: 'ns.dns.' + zone, rname: 'hostmaster.' + zone, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum },
});

const ttlOf = (rr: Answer): number | undefined => (rr.type === 'OPT' ? undefined : rr.ttl);
const dataOf = (rr: Answer): unknown => (rr.type === 'OPT' ? undefined : rr.data);
const ok = (answers: Answer[], authorities: Answer[] = []): CacheableResponse => ({ rcode: 'NOERROR', answers, authorities, additionals: [] });
const nx = (authorities: Answer[]): CacheableResponse => ({ rcode: 'NXDOMAIN', answers: [], authorities, additionals: [] });
const q = (name: string, type = 'A'): CacheQuestion => ({ name, type });

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (seconds: number) => (t += seconds * 1000) };
}

function cacheWith(options: ResponseCacheOptions = {}) {
  const c = clock();
  return { cache: new ResponseCache({ now: c.now, ...options }), clock: c };
}

const web = 'web.shop.svc.cluster.local';

describe('hits and misses', () => {
  const table: { name: string; stored: CacheQuestion; asked: CacheQuestion; hit: boolean }[] = [
    { name: 'same question', stored: q(web), asked: q(web), hit: true },
    { name: 'trailing dot', stored: q(web), asked: q(web + '.'), hit: true },
    { name: 'other case', stored: q(web), asked: q(web.toUpperCase()), hit: true },
    { name: 'other type', stored: q(web), asked: q(web, 'AAAA'), hit: false },
    { name: 'other class', stored: q(web), asked: { name: web, type: 'A', class: 'CH' }, hit: false },
    { name: 'other name', stored: q(web), asked: q('db.shop.svc.cluster.local'), hit: false },
    { name: 'other variant', stored: q(web), asked: { name: web, type: 'A', variant: 'do' }, hit: false },
  ];
  it.each(table)('$name → hit=$hit', ({ stored, asked, hit }) => {
    const { cache } = cacheWith();
    expect(cache.set(stored, ok([A(web, '10.0.0.1')]))).toMatchObject({ stored: true });
    expect(cache.get(asked) !== undefined).toBe(hit);
    expect(cache.stats()).toMatchObject({ hits: hit ? 1 : 0, misses: hit ? 0 : 1 });
  });

  const notCached: { rcode: string }[] = [{ rcode: 'SERVFAIL' }, { rcode: 'REFUSED' }, { rcode: 'FORMERR' }, { rcode: 'NOTIMP' }];
  it.each(notCached)('$rcode is never cached', ({ rcode }) => {
    const { cache } = cacheWith();
    expect(cache.set(q(web), { rcode, answers: [] })).toMatchObject({ stored: false, code: 'not-cacheable' });
    expect(cache.get(q(web))).toBeUndefined();
  });

  it('drops a response for another question', () => {
    const { cache } = cacheWith();
    expect(cache.set(q(web), { ...ok([A('evil.example', '1.2.3.4')]), questionName: 'evil.example' })).toMatchObject({
      stored: false,
      code: 'question-mismatch',
    });
    expect(cache.stats().drops).toBe(1);
  });
});

describe('TTL caps', () => {
  const table: { name: string; options: ResponseCacheOptions; response: CacheableResponse; ttl: number }[] = [
    { name: 'success below max', options: { success: { maxTtl: 30 } }, response: ok([A(web, '10.0.0.1', 20)]), ttl: 20 },
    {
      name: 'success above max (NodeLocal success 9984 30)',
      options: { success: { capacity: 9984, maxTtl: 30 } },
      response: ok([A(web, '10.0.0.1', 300)]),
      ttl: 30,
    },
    { name: 'success lowest record wins', options: {}, response: ok([A(web, '10.0.0.1', 300), A(web, '10.0.0.2', 60)]), ttl: 60 },
    { name: 'success raised to min', options: { success: { minTtl: 5 } }, response: ok([A(web, '10.0.0.1', 1)]), ttl: 5 },
    { name: 'success default max 3600', options: {}, response: ok([A(web, '10.0.0.1', 86400)]), ttl: 3600 },
    { name: 'denial by SOA minimum', options: {}, response: nx([SOA('cluster.local', 30, 10)]), ttl: 10 },
    { name: 'denial by SOA TTL', options: {}, response: nx([SOA('cluster.local', 7, 60)]), ttl: 7 },
    {
      name: 'denial above max (NodeLocal denial 9984 5)',
      options: { denial: { capacity: 9984, maxTtl: 5 } },
      response: nx([SOA('cluster.local', 30, 30)]),
      ttl: 5,
    },
    { name: 'denial default max 1800', options: {}, response: nx([SOA('example.org', 86400, 86400)]), ttl: 1800 },
    { name: 'denial raised to min', options: { denial: { minTtl: 3 } }, response: nx([SOA('cluster.local', 1, 1)]), ttl: 3 },
    { name: 'denial without SOA', options: {}, response: nx([]), ttl: 5 },
  ];
  it.each(table)('$name → $ttl s', ({ options, response, ttl }) => {
    const { cache } = cacheWith(options);
    expect(cache.set(q(web), response)).toMatchObject({ stored: true, ttl });
    const hit = cache.get(q(web));
    expect(hit?.ttl).toBe(ttl);
    for (const rr of [...(hit?.answers ?? []), ...(hit?.authorities ?? [])]) expect(rr).toHaveProperty('ttl', ttl);
  });

  it('a zero TTL everywhere is not cached', () => {
    const { cache } = cacheWith({ success: { minTtl: 0 } });
    expect(cache.set(q(web), ok([A(web, '10.0.0.1', 0)]))).toMatchObject({ stored: false, code: 'zero-ttl' });
  });
});

describe('negative caching', () => {
  const table: { name: string; response: CacheableResponse; rcode: string; kind: string }[] = [
    { name: 'NXDOMAIN', response: nx([SOA('cluster.local', 30, 5)]), rcode: 'NXDOMAIN', kind: 'denial' },
    { name: 'NODATA', response: ok([], [SOA('cluster.local', 30, 5)]), rcode: 'NOERROR', kind: 'denial' },
    { name: 'positive', response: ok([A(web, '10.0.0.1')]), rcode: 'NOERROR', kind: 'success' },
  ];
  it.each(table)('$name is served as $rcode from the $kind cache', ({ response, rcode, kind }) => {
    const { cache } = cacheWith();
    cache.set(q(web), response);
    const hit = cache.get(q(web));
    expect(hit).toMatchObject({ rcode, kind });
    expect(cache.stats().entries).toEqual({ success: kind === 'success' ? 1 : 0, denial: kind === 'denial' ? 1 : 0 });
  });

  it('a denial expires by the SOA minimum', () => {
    const { cache, clock } = cacheWith();
    cache.set(q(web), nx([SOA('cluster.local', 30, 5)]));
    clock.advance(4);
    expect(cache.get(q(web))?.ttl).toBe(1);
    clock.advance(1);
    expect(cache.get(q(web))).toBeUndefined();
  });
});

describe('LRU bounds', () => {
  it('by entries, per kind: the least recently used goes', () => {
    const { cache } = cacheWith({ success: { capacity: 2 }, denial: { capacity: 1 } });
    cache.set(q('a.x'), ok([A('a.x', '10.0.0.1')]));
    cache.set(q('b.x'), ok([A('b.x', '10.0.0.2')]));
    cache.get(q('a.x')); // a is now more recent than b
    cache.set(q('c.x'), ok([A('c.x', '10.0.0.3')]));
    cache.set(q('n1.x'), nx([SOA('x', 30, 30)]));
    cache.set(q('n2.x'), nx([SOA('x', 30, 30)]));
    const present = ['a.x', 'b.x', 'c.x', 'n1.x', 'n2.x'].map((n) => [n, cache.get(q(n)) !== undefined]);
    expect(Object.fromEntries(present)).toEqual({ 'a.x': true, 'b.x': false, 'c.x': true, 'n1.x': false, 'n2.x': true });
    expect(cache.stats()).toMatchObject({ evictions: 2, entries: { success: 2, denial: 1 } });
  });

  it('by bytes, across kinds', () => {
    const probe = new ResponseCache();
    probe.set(q('a.x'), ok([A('a.x', '10.0.0.1')]));
    const one = probe.stats().bytes;
    const { cache } = cacheWith({ maxBytes: one * 3 });
    for (const n of ['a.x', 'b.x', 'c.x', 'd.x', 'e.x']) cache.set(q(n), ok([A(n, '10.0.0.1')]));
    expect(cache.size).toBe(3);
    expect(cache.stats().bytes).toBeLessThanOrEqual(one * 3);
    expect(['a.x', 'b.x', 'c.x', 'd.x', 'e.x'].filter((n) => cache.get(q(n)))).toEqual(['c.x', 'd.x', 'e.x']);
  });

  it('refuses an entry larger than the whole cache', () => {
    const { cache } = cacheWith({ maxBytes: 100 });
    const many = Array.from({ length: 20 }, (_, i) => A(web, `10.0.0.${i}`));
    expect(cache.set(q(web), ok(many))).toMatchObject({ stored: false, code: 'too-large' });
  });
});

describe('TTL decrement', () => {
  const table: { after: number; ttl: number | undefined }[] = [
    { after: 0, ttl: 30 },
    { after: 1, ttl: 29 },
    { after: 10.5, ttl: 20 },
    { after: 29, ttl: 1 },
    { after: 29.9, ttl: 1 },
    { after: 30, ttl: undefined },
  ];
  it.each(table)('after $after s the TTL is $ttl', ({ after, ttl }) => {
    const { cache, clock } = cacheWith({ success: { maxTtl: 30 } });
    cache.set(q(web), ok([A(web, '10.0.0.1', 300), A(web, '10.0.0.2', 300)]));
    clock.advance(after);
    const hit = cache.get(q(web));
    expect(hit?.ttl).toBe(ttl);
    if (hit) expect(hit.answers.map(ttlOf)).toEqual([ttl, ttl]);
  });

  it('keepTtl answers with the TTLs as received', () => {
    const { cache, clock } = cacheWith({ keepTtl: true });
    cache.set(q(web), ok([A(web, '10.0.0.1', 300)]));
    clock.advance(100);
    expect(cache.get(q(web))?.answers.map(ttlOf)).toEqual([300]);
  });
});

describe('prefetch', () => {
  const prefetch = { amount: 3, durationMs: 60_000, percentage: 10 };
  // TTL 100 s, 10 % → due when 10 s or less are left, once the entry is hot (3 queries, gaps < 60 s).
  const table: { name: string; queriesAt: number[]; due: boolean[] }[] = [
    { name: 'hot and nearly expired', queriesAt: [30, 60, 91], due: [false, false, true] },
    { name: 'told once only', queriesAt: [30, 60, 91, 92], due: [false, false, true, false] },
    { name: 'hot but fresh', queriesAt: [1, 2, 3], due: [false, false, false] },
    { name: 'nearly expired but cold', queriesAt: [91], due: [false] },
    { name: 'a gap of DURATION resets popularity', queriesAt: [1, 62, 91], due: [false, false, false] },
  ];
  it.each(table)('$name', ({ queriesAt, due }) => {
    const { cache, clock } = cacheWith({ prefetch });
    cache.set(q(web), ok([A(web, '10.0.0.1', 100)]));
    let t = 0;
    const told = queriesAt.map((at) => {
      clock.advance(at - t);
      t = at;
      return cache.get(q(web))?.prefetch;
    });
    expect(told).toEqual(due);
  });

  it('a refreshed entry stays hot and is told again near its new expiry', () => {
    const { cache, clock } = cacheWith({ prefetch });
    cache.set(q(web), ok([A(web, '10.0.0.1', 100)]));
    for (const gap of [30, 30]) {
      clock.advance(gap);
      expect(cache.get(q(web))?.prefetch).toBe(false);
    }
    clock.advance(31);
    expect(cache.get(q(web))?.prefetch).toBe(true);
    cache.set(q(web), ok([A(web, '10.0.0.2', 100)]));
    clock.advance(50);
    expect(cache.get(q(web))?.prefetch).toBe(false);
    clock.advance(41);
    expect(cache.get(q(web))?.prefetch).toBe(true);
    expect(cache.stats().prefetches).toBe(2);
  });

  it('copies may answer until a prefetch may be due, then until expiry once it is told, until the refresh replaces the entry', () => {
    const { cache, clock } = cacheWith({ prefetch });
    cache.set(q(web), ok([A(web, '10.0.0.1', 100)]));
    clock.advance(30);
    // Cold or fresh: until 10 s are left (90 s from storing).
    expect(cache.get(q(web))).toMatchObject({ prefetch: false, expiresInMs: 70_000, unseenForMs: 60_000 });
    clock.advance(30);
    expect(cache.get(q(web))).toMatchObject({ prefetch: false, unseenForMs: 30_000 });
    clock.advance(31);
    // Told now: the cache needs to see no more hits of this entry.
    const told = cache.get(q(web));
    expect(told).toMatchObject({ prefetch: true, expiresInMs: 9_000, unseenForMs: 9_000 });
    expect(told?.entry.replaced).toBe(false);
    expect(cache.get(q(web))).toMatchObject({ prefetch: false, unseenForMs: 9_000 });
    const refreshed = cache.set(q(web), ok([A(web, '10.0.0.2', 100)]));
    expect(told?.entry.replaced).toBe(true);
    expect(refreshed.stored && refreshed.entry.replaced).toBe(false);
    expect(cache.get(q(web))).toMatchObject({ prefetch: false, unseenForMs: 90_000, answers: [{ data: '10.0.0.2' }] });
  });
});

describe('serve-stale', () => {
  const serveStale = { durationMs: 60_000, refreshMode: 'verified' as const };
  const table: { name: string; options: ResponseCacheOptions; after: number; fresh: boolean; stale: boolean }[] = [
    { name: 'fresh entries are not stale', options: { serveStale }, after: 10, fresh: true, stale: false },
    { name: 'just expired', options: { serveStale }, after: 30, fresh: false, stale: true },
    { name: 'within the cap', options: { serveStale }, after: 89, fresh: false, stale: true },
    { name: 'past the cap', options: { serveStale }, after: 90, fresh: false, stale: false },
    { name: 'disabled', options: {}, after: 31, fresh: false, stale: false },
  ];
  it.each(table)('$name', ({ options, after, fresh, stale }) => {
    const { cache, clock } = cacheWith({ success: { maxTtl: 30 }, ...options });
    cache.set(q(web), ok([A(web, '10.0.0.1')]));
    clock.advance(after);
    expect(cache.get(q(web)) !== undefined).toBe(fresh);
    const old = cache.getStale(q(web));
    expect(old !== undefined).toBe(stale);
    if (old) expect(old).toMatchObject({ stale: true, ttl: 30, answers: [{ ttl: 30, data: '10.0.0.1' }] });
  });

  it('uses the configured stale TTL and counts served stale answers', () => {
    const { cache, clock } = cacheWith({ success: { maxTtl: 30 }, serveStale: { ...serveStale, ttl: 0 } });
    cache.set(q(web), ok([A(web, '10.0.0.1')]));
    clock.advance(40);
    expect(cache.getStale(q(web))?.answers.map(ttlOf)).toEqual([0]);
    expect(cache.stats().servedStale).toBe(1);
  });
});

describe('invalidation', () => {
  function filled() {
    const { cache, clock } = cacheWith({ serveStale: { durationMs: 3_600_000, refreshMode: 'immediate' } });
    cache.set(q(web), ok([A(web, '10.0.0.1')]));
    cache.set(q(web, 'AAAA'), ok([], [SOA('cluster.local', 30, 5)]));
    cache.set(q('_http._tcp.' + web, 'SRV'), ok([SRV('_http._tcp.' + web, web)]));
    cache.set(q('1.0.0.10.in-addr.arpa', 'PTR'), ok([PTR('1.0.0.10.in-addr.arpa', web)]));
    cache.set(q('gone.shop.svc.cluster.local'), nx([SOA('cluster.local', 30, 5)]));
    cache.set(q('db.shop.svc.cluster.local'), ok([A('db.shop.svc.cluster.local', '10.0.0.9')]));
    cache.set(q('alias.example.org'), ok([CNAME('alias.example.org', web), A(web, '10.0.0.1')]));
    cache.set(q('example.org'), ok([A('example.org', '93.184.215.14')]));
    // A chain whose target has no AAAA: only the CNAME names the target.
    cache.set(
      q('alias.shop.svc.cluster.local', 'AAAA'),
      ok([CNAME('alias.shop.svc.cluster.local', 'db.shop.svc.cluster.local')], [SOA('cluster.local', 30, 5)]),
    );
    return { cache, clock };
  }
  const all = [
    q(web),
    q(web, 'AAAA'),
    q('_http._tcp.' + web, 'SRV'),
    q('1.0.0.10.in-addr.arpa', 'PTR'),
    q('gone.shop.svc.cluster.local'),
    q('db.shop.svc.cluster.local'),
    q('alias.example.org'),
    q('example.org'),
    q('alias.shop.svc.cluster.local', 'AAAA'),
  ];
  const table: { name: string; act: (c: ResponseCache) => void; left: string[] }[] = [
    {
      name: 'by names: every type, negative ones and answers that own the name',
      act: (c) => c.invalidate([web + '.', '_http._tcp.' + web, '1.0.0.10.in-addr.arpa.', 'GONE.shop.svc.cluster.local']),
      left: ['db.shop.svc.cluster.local', 'example.org', 'alias.shop.svc.cluster.local'],
    },
    {
      name: 'by the target of a CNAME with no record of it',
      act: (c) => c.invalidate(['db.shop.svc.cluster.local']),
      left: all.map((x) => x.name).filter((n) => !n.startsWith('db.') && !n.startsWith('alias.shop')),
    },
    { name: 'by zone', act: (c) => c.invalidateZone('cluster.local.'), left: ['1.0.0.10.in-addr.arpa', 'alias.example.org', 'example.org'] },
    { name: 'by a narrower zone', act: (c) => c.invalidateZone('shop.svc.cluster.local'), left: ['1.0.0.10.in-addr.arpa', 'alias.example.org', 'example.org'] },
    { name: 'by the root zone', act: (c) => c.invalidateZone('.'), left: [] },
    { name: 'an unknown name', act: (c) => c.invalidate(['nothing.here']), left: all.map((x) => x.name) },
  ];
  it.each(table)('$name', ({ act, left }) => {
    const { cache } = filled();
    act(cache);
    expect([...new Set(all.filter((x) => cache.get(x)).map((x) => x.name))]).toEqual([...new Set(left)]);
  });

  it('invalidated entries are not served stale either', () => {
    const { cache, clock } = filled();
    clock.advance(400);
    cache.invalidate([web]);
    expect(cache.getStale(q(web))).toBeUndefined();
    expect(cache.getStale(q('db.shop.svc.cluster.local'))).toBeDefined();
  });
});

describe('capTtl', () => {
  const table: { name: string; storedAfter: number; askedAfter: number; ttl: number | undefined }[] = [
    { name: 'old entry, served capped', storedAfter: -100, askedAfter: 0, ttl: 5 },
    { name: 'old entry, cap counts from when it was set', storedAfter: -100, askedAfter: 3, ttl: 2 },
    { name: 'old entry expires with the cap', storedAfter: -100, askedAfter: 5, ttl: undefined },
    { name: 'entry stored under the cap', storedAfter: 10, askedAfter: 12, ttl: 3 },
  ];
  it.each(table)('$name', ({ storedAfter, askedAfter, ttl }) => {
    const { cache, clock } = cacheWith();
    // Events in time order, relative to the moment the cap is set (t = 0).
    const events: [number, () => void][] = [
      [storedAfter, () => cache.set(q(web), ok([A(web, '10.0.0.1', 300)]))],
      [storedAfter, () => cache.set(q('example.org'), ok([A('example.org', '93.184.215.14', 300)]))],
      [0, () => cache.capTtl('cluster.local', 5)],
    ].sort((a, b) => (a[0] as number) - (b[0] as number)) as [number, () => void][];
    let t = -1000;
    for (const [at, run] of events) {
      clock.advance(at - t);
      t = at;
      run();
    }
    clock.advance(askedAfter - t);
    expect(cache.get(q(web))?.ttl).toBe(ttl);
    // Outside the zone nothing changes.
    expect(cache.get(q('example.org'))?.ttl).toBe(300 - (askedAfter - storedAfter));
  });

  it('lifting the cap restores the entry TTL', () => {
    const { cache, clock } = cacheWith();
    cache.set(q(web), ok([A(web, '10.0.0.1', 300)]));
    cache.capTtl('cluster.local', 5);
    clock.advance(2);
    expect(cache.get(q(web))?.ttl).toBe(3);
    cache.capTtl('cluster.local', null);
    expect(cache.get(q(web))?.ttl).toBe(298);
  });
});

describe('case echo', () => {
  const table: { asked: string }[] = [
    { asked: 'WeB.ShOp.svc.cluster.local' },
    { asked: 'web.shop.svc.cluster.local' },
    { asked: 'WEB.SHOP.SVC.CLUSTER.LOCAL.' },
  ];
  it.each(table)('asked $asked', ({ asked }) => {
    const { cache } = cacheWith();
    cache.set(q('Web.Shop.svc.cluster.local'), ok([A('Web.Shop.svc.cluster.local', '10.0.0.1'), CNAME('Web.Shop.svc.cluster.local', 'Other.example')]));
    const hit = cache.get(q(asked));
    const expected = asked.replace(/\.$/, '');
    expect(hit?.answers.map((rr) => rr.name)).toEqual([expected, expected]);
    // Names that are not the question keep their case.
    expect((hit?.answers ?? []).filter((rr) => rr.type === 'CNAME').map(dataOf)).toEqual(['Other.example']);
  });
});

describe('shuffle', () => {
  it('over many draws every order of an RRset appears, the CNAME stays first', () => {
    const { cache } = cacheWith();
    const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
    cache.set(q('alias.example.org'), ok([CNAME('alias.example.org', web), ...ips.map((ip) => A(web, ip))]));
    const orders = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const hit = cache.get(q('alias.example.org'));
      expect(hit?.answers[0].type).toBe('CNAME');
      orders.add((hit?.answers ?? []).slice(1).map(dataOf).join(','));
    }
    expect(orders.size).toBe(6);
  });

  it('with an injected random the order is deterministic', () => {
    const { cache } = cacheWith({ random: () => 0 });
    cache.set(q(web), ok([A(web, '10.0.0.1'), A(web, '10.0.0.2'), A(web, '10.0.0.3')]));
    const first = cache.get(q(web))?.answers.map(dataOf);
    expect(cache.get(q(web))?.answers.map(dataOf)).toEqual(first);
  });

  it('mixed A and AAAA are shuffled per type', () => {
    const { cache } = cacheWith({ random: () => 0.99 });
    cache.set(q(web, 'ANY'), ok([A(web, '10.0.0.1'), A(web, '10.0.0.2'), AAAA(web, 'fd00::1')]));
    expect(cache.get(q(web, 'ANY'))?.answers.map((rr) => rr.type)).toEqual(['A', 'A', 'AAAA']);
  });
});

describe('disable', () => {
  const table: { name: string; disable: ResponseCacheOptions['disable']; question: string; response: CacheableResponse; stored: boolean }[] = [
    { name: 'denial disabled in zone', disable: { denial: ['cluster.local'] }, question: web, response: nx([]), stored: false },
    { name: 'denial disabled elsewhere', disable: { denial: ['example.org'] }, question: web, response: nx([]), stored: true },
    { name: 'success disabled in zone', disable: { success: ['cluster.local.'] }, question: web, response: ok([A(web, '10.0.0.1')]), stored: false },
    { name: 'success disabled, denial cached', disable: { success: ['cluster.local'] }, question: web, response: nx([]), stored: true },
  ];
  it.each(table)('$name', ({ disable, question, response, stored }) => {
    const { cache } = cacheWith({ disable });
    expect(cache.set(q(question), response).stored).toBe(stored);
  });
});

describe('metrics', () => {
  it('counts under CoreDNS names and labels, shared by two caches on one registry', async () => {
    const registry = new Registry();
    const labels = { registry, server: 'dns://:53', zones: 'cluster.local.', view: '' };
    const { cache } = cacheWith({ metrics: labels, success: { capacity: 1 } });
    const other = new ResponseCache({ metrics: { ...labels, server: 'dns://:1053' } });
    cache.set(q('a.x'), ok([A('a.x', '10.0.0.1')]));
    cache.get(q('a.x'));
    cache.get(q('b.x'));
    cache.set(q('b.x'), ok([A('b.x', '10.0.0.1')]));
    other.get(q('a.x'));
    const text = await registry.metrics();
    const line = (s: string) => expect(text).toContain(s);
    line('coredns_cache_entries{server="dns://:53",zones="cluster.local.",view="",type="success"} 1');
    line('coredns_cache_hits_total{server="dns://:53",zones="cluster.local.",view="",type="success"} 1');
    line('coredns_cache_misses_total{server="dns://:53",zones="cluster.local.",view=""} 1');
    line('coredns_cache_misses_total{server="dns://:1053",zones="cluster.local.",view=""} 1');
    line('coredns_cache_requests_total{server="dns://:53",zones="cluster.local.",view=""} 2');
    line('coredns_cache_evictions_total{server="dns://:53",zones="cluster.local.",view="",type="success"} 1');
    for (const name of ['coredns_cache_prefetch_total', 'coredns_cache_drops_total', 'coredns_cache_served_stale_total']) line(`# TYPE ${name} counter`);
  });
});

describe('ttlOf: the TTL set would store a response with, storing nothing', () => {
  const options: ResponseCacheOptions = {
    success: { capacity: 10, maxTtl: 30, minTtl: 5 },
    denial: { capacity: 10, maxTtl: 5, minTtl: 5 },
    disable: { denial: ['quiet.example'] },
  };
  it.each([
    { what: 'a success under the cap', response: ok([A('web.example.', '10.0.0.1', 20)]), ttl: 20 },
    { what: 'a success over the cap', response: ok([A('web.example.', '10.0.0.1', 300)]), ttl: 30 },
    { what: 'a success under the floor', response: ok([A('web.example.', '10.0.0.1', 1)]), ttl: 5 },
    { what: 'NXDOMAIN: the SOA minimum, capped', response: nx([SOA('example.', 60, 30)]), ttl: 5 },
    { what: 'SERVFAIL', response: { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] } as CacheableResponse, ttl: null },
    { what: 'a denial where denial caching is off', name: 'x.quiet.example.', response: nx([SOA('quiet.example.', 60, 30)]), ttl: null },
    { what: 'an answer for another name', response: { ...ok([A('web.example.', '10.0.0.1')]), questionName: 'other.example.' }, ttl: null },
  ])('$what → $ttl', ({ name, response, ttl }) => {
    const { cache } = cacheWith(options);
    expect(cache.ttlOf(q(name ?? 'web.example.'), response)).toBe(ttl);
    expect(cache.stats().entries).toEqual({ success: 0, denial: 0 });
    expect(cache.stats().drops).toBe(0);
  });
});
