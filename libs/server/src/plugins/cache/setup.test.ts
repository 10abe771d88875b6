import { describe, expect, it } from 'vitest';
import { parseCorefile } from '@halo/corefile';
import type { ServerBlock } from '@halo/corefile';
import { Registry } from 'prom-client';
import type { CorefileError, Handler, ServerContext, SetupContext } from '../../plugin.ts';
import { CacheHandler } from './handler.ts';
import { ServerScope } from '../../scope.ts';
import { parseCache, plugin } from './setup.ts';
import type { CacheConfig } from './setup.ts';

function block(corefile: string): ServerBlock {
  const parsed = parseCorefile(corefile, 'Corefile');
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'));
  return parsed.corefile.blocks[0];
}

function parse(corefile: string) {
  const sb = block(corefile);
  const d = sb.directives.find((x) => x.name === 'cache');
  if (!d) throw new Error('no cache directive');
  return parseCache(
    d,
    sb.addresses.map((a) => a.zone),
  );
}

const success = { capacity: 9984, maxTtl: 3600, minTtl: 5 };
const denial = { capacity: 9984, maxTtl: 1800, minTtl: 5 };
const base: CacheConfig = { zones: ['.'], success, denial, disable: { success: [], denial: [] }, keepTtl: false };

describe('cache setup: valid', () => {
  const table: { name: string; corefile: string; config: CacheConfig }[] = [
    { name: 'bare', corefile: '. {\n  cache\n}', config: base },
    { name: 'TTL caps both', corefile: '. {\n  cache 30\n}', config: { ...base, success: { ...success, maxTtl: 30 }, denial: { ...denial, maxTtl: 30 } } },
    { name: 'zones from the block', corefile: 'cluster.local:53 in-addr.arpa:53 {\n  cache\n}', config: { ...base, zones: ['cluster.local', 'in-addr.arpa'] } },
    {
      name: 'TTL and zones',
      corefile: '. {\n  cache 10 Example.org. cluster.local\n}',
      config: { ...base, zones: ['example.org', 'cluster.local'], success: { ...success, maxTtl: 10 }, denial: { ...denial, maxTtl: 10 } },
    },
    {
      name: 'a CIDR zone',
      corefile: '. {\n  cache 10.0.0.0/8\n}',
      config: { ...base, zones: ['10.in-addr.arpa'], success: { ...success }, denial: { ...denial } },
    },
    {
      name: 'NodeLocal DNSCache',
      corefile: 'cluster.local:53 {\n  cache {\n    success 9984 30\n    denial 9984 5\n  }\n}',
      config: { ...base, zones: ['cluster.local'], success: { ...success, maxTtl: 30 }, denial: { ...denial, maxTtl: 5 } },
    },
    {
      name: 'MINTTL',
      corefile: '. {\n  cache {\n    success 100 60 10\n    denial 50 20 0\n  }\n}',
      config: { ...base, success: { capacity: 100, maxTtl: 60, minTtl: 10 }, denial: { capacity: 50, maxTtl: 20, minTtl: 0 } },
    },
    {
      name: 'prefetch amount',
      corefile: '. {\n  cache {\n    prefetch 10\n  }\n}',
      config: { ...base, prefetch: { amount: 10, durationMs: 60_000, percentage: 10 } },
    },
    {
      name: 'prefetch all',
      corefile: '. {\n  cache {\n    prefetch 2 10m 20%\n  }\n}',
      config: { ...base, prefetch: { amount: 2, durationMs: 600_000, percentage: 20 } },
    },
    {
      name: 'prefetch percentage only',
      corefile: '. {\n  cache {\n    prefetch 2 50%\n  }\n}',
      config: { ...base, prefetch: { amount: 2, durationMs: 60_000, percentage: 50 } },
    },
    {
      name: 'serve_stale',
      corefile: '. {\n  cache {\n    serve_stale\n  }\n}',
      config: { ...base, serveStale: { durationMs: 3_600_000, refreshMode: 'immediate' } },
    },
    {
      name: 'serve_stale verified',
      corefile: '. {\n  cache {\n    serve_stale 5m verified\n  }\n}',
      config: { ...base, serveStale: { durationMs: 300_000, refreshMode: 'verified' } },
    },
    {
      name: 'disable',
      corefile: 'cluster.local {\n  cache {\n    disable denial\n    disable success example.org\n  }\n}',
      config: { ...base, zones: ['cluster.local'], disable: { success: ['example.org'], denial: ['cluster.local'] } },
    },
    { name: 'keepttl', corefile: '. {\n  cache {\n    keepttl\n  }\n}', config: { ...base, keepTtl: true } },
  ];
  it.each(table)('$name', ({ corefile, config }) => {
    expect(parse(corefile)).toEqual({ ok: true, config });
  });
});

describe('cache setup: errors at the offending token', () => {
  const table: { name: string; corefile: string; errors: Partial<CorefileError>[] }[] = [
    { name: 'zero TTL', corefile: '. {\n  cache 0\n}', errors: [{ line: 2, column: 9, message: expect.stringMatching(/^cache: TTL must be an integer ≥ 1/) }] },
    { name: 'negative TTL', corefile: '. {\n  cache -5\n}', errors: [{ line: 2, column: 9 }] },
    { name: 'bad zone', corefile: '. {\n  cache a..b\n}', errors: [{ line: 2, column: 9, message: expect.stringContaining('cache:') }] },
    {
      name: 'success without capacity',
      corefile: '. {\n  cache {\n    success\n  }\n}',
      errors: [{ line: 3, column: 5, message: expect.stringContaining('success needs CAPACITY') }],
    },
    { name: 'success bad capacity', corefile: '. {\n  cache {\n    success lots\n  }\n}', errors: [{ line: 3, column: 13 }] },
    { name: 'denial zero TTL', corefile: '. {\n  cache {\n    denial 10 0\n  }\n}', errors: [{ line: 3, column: 15 }] },
    {
      name: 'MINTTL above TTL',
      corefile: '. {\n  cache {\n    success 10 5 60\n  }\n}',
      errors: [{ line: 3, column: 18, message: expect.stringContaining('above') }],
    },
    { name: 'too many success args', corefile: '. {\n  cache {\n    success 1 20 3 4\n  }\n}', errors: [{ line: 3, column: 20 }] },
    { name: 'prefetch without amount', corefile: '. {\n  cache {\n    prefetch\n  }\n}', errors: [{ line: 3, column: 5 }] },
    { name: 'prefetch bad duration', corefile: '. {\n  cache {\n    prefetch 2 soon\n  }\n}', errors: [{ line: 3, column: 16 }] },
    {
      name: 'prefetch percentage out of range',
      corefile: '. {\n  cache {\n    prefetch 2 1m 95%\n  }\n}',
      errors: [{ line: 3, column: 19, message: expect.stringContaining('between 10% and 90%') }],
    },
    { name: 'serve_stale bad mode', corefile: '. {\n  cache {\n    serve_stale 1h sometimes\n  }\n}', errors: [{ line: 3, column: 20 }] },
    { name: 'serve_stale bad duration', corefile: '. {\n  cache {\n    serve_stale forever\n  }\n}', errors: [{ line: 3, column: 17 }] },
    { name: 'disable what', corefile: '. {\n  cache {\n    disable everything\n  }\n}', errors: [{ line: 3, column: 13 }] },
    { name: 'keepttl with args', corefile: '. {\n  cache {\n    keepttl yes\n  }\n}', errors: [{ line: 3, column: 13 }] },
    {
      name: 'unknown property',
      corefile: '. {\n  cache {\n    servfail 5s\n  }\n}',
      errors: [{ line: 3, column: 5, message: expect.stringContaining('unknown property "servfail"') }],
    },
    {
      name: 'all errors at once',
      corefile: '. {\n  cache 0 {\n    success x\n    denial\n  }\n}',
      errors: [
        { line: 2, column: 9 },
        { line: 3, column: 13 },
        { line: 4, column: 5 },
      ],
    },
  ];
  it.each(table)('$name', ({ corefile, errors }) => {
    const result = parse(corefile);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toEqual(errors.map((e) => expect.objectContaining({ file: 'Corefile', ...e })));
      for (const e of result.errors) expect(e.message).toMatch(/^cache: /);
    }
  });
});

describe('plugin.setup', () => {
  function setupContext(sb: ServerBlock, shared: ServerContext, closers: (() => void | Promise<void>)[], scope = new ServerScope(shared)): SetupContext {
    return { file: 'Corefile', serverBlock: sb, shared, scope, onClose: (fn) => closers.push(fn) };
  }

  it("builds a handler wired to the scope's zone changes (the app's onZoneChange still hears them), and unwires it on close", async () => {
    const sb = block('cluster.local:1053 {\n  cache 30\n}');
    const calls: string[][] = [];
    const shared: ServerContext = { metrics: new Registry(), onZoneChange: (names) => calls.push(names) };
    const closers: (() => void | Promise<void>)[] = [];
    const scope = new ServerScope(shared);
    const handler = plugin.setup(sb.directives[0], setupContext(sb, shared, closers, scope)) as Handler;
    expect(handler).toBeInstanceOf(CacheHandler);
    const cache = (handler as CacheHandler).cache;
    cache.set(
      { name: 'web.shop.svc.cluster.local', type: 'A' },
      { rcode: 'NOERROR', answers: [{ name: 'web.shop.svc.cluster.local', type: 'A', ttl: 30, data: '10.0.0.1' }] },
    );
    scope.zoneChanged(['web.shop.svc.cluster.local.']);
    expect(calls).toEqual([['web.shop.svc.cluster.local.']]); // what was there before still runs
    expect(cache.size).toBe(0);

    for (const close of closers) await close();
    cache.set(
      { name: 'web.shop.svc.cluster.local', type: 'A' },
      { rcode: 'NOERROR', answers: [{ name: 'web.shop.svc.cluster.local', type: 'A', ttl: 30, data: '10.0.0.1' }] },
    );
    scope.zoneChanged(['web.shop.svc.cluster.local.']);
    expect(cache.size).toBe(1);

    const text = await shared.metrics?.metrics();
    expect(text).toContain('coredns_cache_entries{server="dns://:1053",zones="cluster.local.",view="",type="success"}');
  });

  it('returns the errors of a bad block', () => {
    const sb = block('. {\n  cache {\n    success\n  }\n}');
    const result = plugin.setup(sb.directives[0], setupContext(sb, {}, []));
    expect(Array.isArray(result)).toBe(true);
  });
});
