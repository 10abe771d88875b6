import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Handler } from '../../plugin.ts';
import { ForwardHandler } from './handler.ts';
import { plugin } from './setup.ts';
import { calledNext, directiveFrom, nextMarker, qname, qtype, reply, request, startTestUpstream, type TestUpstream } from '../../../test/dns-fixtures.ts';
import { UpstreamPool } from './upstream.ts';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function upstream(answer: Parameters<typeof startTestUpstream>[0]): Promise<TestUpstream> {
  const u = await startTestUpstream(answer);
  cleanups.push(() => u.close());
  return u;
}

/** An upstream that answers every A question with `ip`. */
function answering(ip: string) {
  return upstream((q) => reply(q, [{ name: qname(q), type: 'A', class: 'IN', ttl: 60, data: ip }]));
}

function setup(text: string, shared: Parameters<typeof directiveFrom>[1] = {}): Handler {
  const { directive, ctx, closers } = directiveFrom(text, { metrics: new Registry(), ...shared });
  const h = plugin.setup(directive, ctx);
  if (Array.isArray(h)) throw new Error(JSON.stringify(h));
  cleanups.push(async () => {
    for (const c of closers) await c();
  });
  return h;
}

describe('forward setup', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forward-'));
  writeFileSync(join(dir, 'resolv.conf'), 'search svc.cluster.local\nnameserver 10.0.0.10\nnameserver fd00::10\noptions ndots:5\n');
  writeFileSync(join(dir, 'empty.conf'), '# nothing\n');
  const cases: { text: string; want: string | { line: number; column: number; message: RegExp } }[] = [
    { text: 'forward . 8.8.8.8 9.9.9.9:5353 dns://1.1.1.1 [::1]:53 ::2', want: '8.8.8.8:53 9.9.9.9:5353 1.1.1.1:53 [::1]:53 [::2]:53' },
    { text: `forward example.org ${join(dir, 'resolv.conf')}`, want: '10.0.0.10:53 [fd00::10]:53' },
    { text: 'forward . /etc/resolv.conf', want: '10.0.0.10:53 [fd00::10]:53' },
    {
      text: 'forward . 1.1.1.1 {\n max_concurrent 1000\n policy sequential\n health_check 1s no_rec\n max_fails 3\n expire 5s\n except a.org b.org\n prefer_udp\n}',
      want: '1.1.1.1:53',
    },
    { text: 'forward .', want: { line: 2, column: 1, message: /forward: needs FROM and at least one TO/ } },
    { text: 'forward . example.com', want: { line: 2, column: 11, message: /forward: "example.com" is not an IP address/ } },
    { text: 'forward . 1.1.1.1:99999', want: { line: 2, column: 11, message: /bad port/ } },
    { text: 'forward . tls://1.1.1.1', want: { line: 2, column: 11, message: /tls:\/\/ upstreams are not supported/ } },
    { text: `forward . ${join(dir, 'empty.conf')}`, want: { line: 2, column: 11, message: /names no nameserver/ } },
    { text: 'forward . /nonexistent/resolv.conf', want: { line: 2, column: 11, message: /cannot read/ } },
    { text: 'forward . 1.1.1.1 {\n  tls cert key ca\n}', want: { line: 3, column: 3, message: /forward: tls is not supported/ } },
    { text: 'forward . 1.1.1.1 {\n  policy fastest\n}', want: { line: 3, column: 10, message: /policy is one of/ } },
    { text: 'forward . 1.1.1.1 {\n  max_fails many\n}', want: { line: 3, column: 13, message: /"many" is not a whole number/ } },
    { text: 'forward . 1.1.1.1 {\n  max_connect_attempts -1\n}', want: { line: 3, column: 24, message: /"-1" is not a whole number/ } },
    { text: 'forward . 1.1.1.1 {\n  max_concurrent 0\n}', want: { line: 3, column: 18, message: /not a positive whole number/ } },
    { text: 'forward . 1.1.1.1 {\n  health_check soon\n}', want: { line: 3, column: 16, message: /health_check needs a duration/ } },
    { text: 'forward . 1.1.1.1 {\n  force_tcp\n  prefer_udp\n}', want: { line: 4, column: 3, message: /cannot both be set/ } },
    { text: 'forward . 1.1.1.1 {\n  try_timeout 50ms\n}', want: '1.1.1.1:53' },
    { text: 'forward . 1.1.1.1 {\n  try_timeout\n}', want: { line: 3, column: 3, message: /try_timeout needs one duration/ } },
    { text: 'forward . 1.1.1.1 {\n  try_timeout soon\n}', want: { line: 3, column: 15, message: /try_timeout needs one duration/ } },
    { text: 'forward . 1.1.1.1 {\n  try_timeout 0\n}', want: { line: 3, column: 15, message: /at least 1ms/ } },
    { text: 'forward . 1.1.1.1 {\n  spread_load\n}', want: { line: 3, column: 3, message: /unknown option "spread_load"/ } },
  ];
  for (const c of cases) {
    it(c.text.split('\n')[0] + (c.text.includes('\n') ? ' { … }' : ''), () => {
      const { directive, ctx, closers } = directiveFrom(c.text, { metrics: new Registry(), resolvConf: join(dir, 'resolv.conf') });
      const h = plugin.setup(directive, ctx);
      if (typeof c.want === 'string') {
        expect(Array.isArray(h)).toBe(false);
        const fh = h as ForwardHandler;
        expect(
          fh.pool
            .status()
            .map((s) => s.name)
            .join(' '),
        ).toBe(c.want);
        fh.close();
      } else {
        expect(h).toEqual([{ file: 'Corefile', line: c.want.line, column: c.want.column, message: expect.stringMatching(c.want.message) }]);
      }
      expect(closers.length).toBe(Array.isArray(h) ? 0 : 1);
    });
  }
});

describe('forward: try_timeout', () => {
  it.each<[string, number]>([
    ['', 2000],
    ['try_timeout 50ms', 50],
    ['try_timeout 0.2s', 200],
    ['try_timeout 1m', 5000],
  ])('"%s" → one try waits %i ms', (option, ms) => {
    const h = setup(`forward . 127.0.0.1:9 {\n ${option}\n}`) as ForwardHandler;
    expect(h.pool.options.attemptTimeoutMs).toBe(ms);
  });

  it('re-sends past a silent upstream to the next one, once per query', async () => {
    const silent = await upstream(() => 'drop');
    const good = await answering('192.0.2.9');
    const h = setup(`forward . 127.0.0.1:${silent.port} 127.0.0.1:${good.port} {\n policy sequential\n try_timeout 30ms\n max_fails 0\n}`);
    for (let i = 0; i < 5; i++) {
      const r = await h.serve(request(`q${i}.example`), nextMarker);
      expect(r.answers).toMatchObject([{ data: '192.0.2.9' }]);
    }
    expect([silent.seen.length, good.seen.length]).toEqual([5, 5]);
  });

  it('asks a single upstream again when one try times out, rather than SERVFAIL', async () => {
    let n = 0;
    // Silent to every first try, as a briefly stalled answerer.
    const slow = await upstream((q) => (n++ % 2 === 0 ? 'drop' : reply(q, [{ type: 'A', name: q.questions?.[0]?.name ?? '', ttl: 30, data: '192.0.2.7' }])));
    const h = setup(`forward . 127.0.0.1:${slow.port} {\n try_timeout 30ms\n}`);
    for (let i = 0; i < 3; i++) expect((await h.serve(request(`s${i}.example`), nextMarker)).answers).toMatchObject([{ data: '192.0.2.7' }]);
    expect(slow.seen).toHaveLength(6);
  });

  it.each([
    ['by default two tries per upstream (CoreDNS 1.14)', '', 2],
    ['max_connect_attempts 3', '\n max_connect_attempts 3', 3],
    ['max_connect_attempts 1', '\n max_connect_attempts 1', 1],
  ])('caps the tries of one query: %s', async (_label, option, tries) => {
    // Never marked down (max_fails 0): only the cap ends the tries before the 5 s deadline.
    const silent = await upstream(() => 'drop');
    const h = setup(`forward . 127.0.0.1:${silent.port} {\n try_timeout 30ms\n max_fails 0${option}\n}`);
    expect((await h.serve(request('capped.example'), nextMarker)).rcode).toBe('SERVFAIL');
    expect(silent.seen).toHaveLength(tries);
  });

  it('gives up quickly once every upstream is marked down', async () => {
    const silent = await upstream(() => 'drop');
    const h = setup(`forward . 127.0.0.1:${silent.port} {\n try_timeout 30ms\n max_fails 2\n}`);
    const started = performance.now();
    expect((await h.serve(request('dead.example'), nextMarker)).rcode).toBe('SERVFAIL');
    // Two tries of 30 ms mark it down; not the 5 s deadline.
    expect(silent.seen).toHaveLength(2);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('forward: question → answer through real upstreams', () => {
  it('answers from the upstream, keeps the client ID, and counts metrics', async () => {
    const u = await answering('192.0.2.1');
    const metrics = new Registry();
    const h = setup(`forward . 127.0.0.1:${u.port}`, { metrics });
    const r = await h.serve(request('www.Example.org', 'A'), nextMarker);
    expect(r.rcode).toBe('NOERROR');
    expect(r.answers).toMatchObject([{ name: 'www.Example.org', type: 'A', data: '192.0.2.1' }]);
    expect(r.recursionAvailable).toBe(true);
    const text = await metrics.metrics();
    expect(text).toContain(`coredns_proxy_request_duration_seconds_count{proxy_name="forward",to="127.0.0.1:${u.port}",rcode="NOERROR"} 1`);
    expect(text).toContain(`coredns_proxy_conn_cache_misses_total{proxy_name="forward",to="127.0.0.1:${u.port}",proto="udp"} 1`);
    // The second query reuses the UDP socket of the first.
    await h.serve(request('www.Example.org', 'A'), nextMarker);
    expect(await metrics.metrics()).toContain(`coredns_proxy_conn_cache_hits_total{proxy_name="forward",to="127.0.0.1:${u.port}",proto="udp"} 1`);
    // CoreDNS 1.14 has none of the forward_* names it deprecated.
    expect(text).not.toMatch(/coredns_forward_(requests|responses|request_duration|healthcheck_failures)/);
  });

  it('counts failed health checks, and queries that find every upstream down', async () => {
    // An upstream that never answers: its first query fails it (max_fails 1), the checks fail after.
    const u = await upstream(() => 'drop');
    const metrics = new Registry();
    const h = setup(`forward . 127.0.0.1:${u.port} {\n max_fails 1\n health_check 50ms\n try_timeout 50ms\n}`, { metrics });
    expect((await h.serve(request('a.example'), nextMarker)).rcode).toBe('SERVFAIL');
    await expect
      .poll(async () => await metrics.metrics(), { timeout: 5_000 })
      .toContain(`coredns_proxy_healthcheck_failures_total{proxy_name="forward",to="127.0.0.1:${u.port}"}`);
    expect((await h.serve(request('b.example'), nextMarker)).rcode).toBe('SERVFAIL');
    expect(await metrics.metrics()).toContain('coredns_forward_healthcheck_broken_total 1');
  });

  it('passes names outside FROM and under except to the next plugin', async () => {
    const u = await answering('192.0.2.1');
    const h = setup(`forward example.org 127.0.0.1:${u.port} {\n except private.example.org\n}`);
    const table: [string, boolean][] = [
      ['www.example.org', false],
      ['example.org', false],
      ['www.example.net', true],
      ['notexample.org', true],
      ['db.private.example.org', true],
    ];
    for (const [qname, toNext] of table) expect([qname, calledNext(await h.serve(request(qname), nextMarker))]).toEqual([qname, toNext]);
    expect(u.seen.map((s) => s.name)).toEqual(['www.example.org', 'example.org']);
  });

  it('fails over to the next upstream on SERVFAIL and REFUSED', async () => {
    const servfail = await upstream((q) => reply(q, [], 2));
    const refused = await upstream((q) => reply(q, [], 5));
    const good = await answering('192.0.2.7');
    const h = setup(`forward . 127.0.0.1:${servfail.port} 127.0.0.1:${refused.port} 127.0.0.1:${good.port} {\n policy sequential\n}`);
    const r = await h.serve(request('a.example'), nextMarker);
    expect(r.answers).toMatchObject([{ data: '192.0.2.7' }]);
    expect([servfail.seen.length, refused.seen.length, good.seen.length]).toEqual([1, 1, 1]);
  });

  it('returns the last SERVFAIL when no upstream does better', async () => {
    const servfail = await upstream((q) => reply(q, [], 2));
    const h = setup(`forward . 127.0.0.1:${servfail.port}`);
    expect((await h.serve(request('a.example'), nextMarker)).rcode).toBe('SERVFAIL');
  });

  it('retries a truncated UDP reply over TCP', async () => {
    const u = await upstream((q, transport) =>
      transport === 'udp'
        ? reply(q, [], 0, dnsPacket.TRUNCATED_RESPONSE)
        : reply(q, [{ name: qname(q), type: 'TXT', class: 'IN', ttl: 60, data: 'x'.repeat(200) }]),
    );
    const h = setup(`forward . 127.0.0.1:${u.port}`);
    const r = await h.serve(request('big.example', 'TXT'), nextMarker);
    expect(r.answers).toHaveLength(1);
    expect(u.seen.map((s) => s.transport)).toEqual(['udp', 'tcp']);
  });

  it('asks over TCP when force_tcp is set or the client asked over TCP; prefer_udp keeps UDP', async () => {
    const u = await answering('192.0.2.1');
    const table: [string, 'udp' | 'tcp', 'udp' | 'tcp'][] = [
      ['', 'udp', 'udp'],
      ['', 'tcp', 'tcp'],
      ['force_tcp', 'udp', 'tcp'],
      ['prefer_udp', 'tcp', 'udp'],
    ];
    for (const [option, client, want] of table) {
      u.seen.length = 0;
      const h = setup(`forward . 127.0.0.1:${u.port} {\n ${option}\n}`);
      await h.serve(request('a.example', 'A', { transport: client }), nextMarker);
      expect([option, client, u.seen[0]?.transport]).toEqual([option, client, want]);
    }
  });

  it('reads upstreams from resolv.conf (ctx.shared.resolvConf stands in for /etc/resolv.conf)', async () => {
    const u = await answering('192.0.2.9');
    const dir = mkdtempSync(join(tmpdir(), 'forward-'));
    // resolv.conf has no ports: point the test at a file listing 127.0.0.1 and check the parsed pool.
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
    const { directive, ctx } = directiveFrom('forward . /etc/resolv.conf', { metrics: new Registry(), resolvConf: join(dir, 'resolv.conf') });
    const h = plugin.setup(directive, ctx) as ForwardHandler;
    expect(h.pool.status().map((s) => s.name)).toEqual(['127.0.0.1:53']);
    h.close();
    expect(u.seen).toEqual([]);
  });

  it('refuses queries beyond max_concurrent', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const u = await upstream(async (q) => {
      await gate;
      return reply(q, [{ name: qname(q), type: 'A', class: 'IN', ttl: 60, data: '192.0.2.1' }]);
    });
    const metrics = new Registry();
    const h = setup(`forward . 127.0.0.1:${u.port} {\n max_concurrent 1\n}`, { metrics });
    const first = h.serve(request('a.example'), nextMarker);
    const second = await h.serve(request('b.example'), nextMarker);
    expect(second.rcode).toBe('REFUSED');
    release();
    expect((await first).rcode).toBe('NOERROR');
    expect(await metrics.metrics()).toContain('coredns_forward_max_concurrent_rejects_total 1');
  });
});

describe('UpstreamPool', () => {
  const query = (name: string) =>
    dnsPacket.encode({ type: 'query', id: 777, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] });

  it('fails over when an upstream does not answer, and marks it down after max_fails', async () => {
    const dead = await upstream(() => 'drop');
    const good = await answering('192.0.2.2');
    const pool = new UpstreamPool(
      [
        { host: '127.0.0.1', port: dead.port },
        { host: '127.0.0.1', port: good.port },
      ],
      { policy: 'sequential', attemptTimeoutMs: 50, maxFails: 2, healthCheckIntervalMs: 0 },
    );
    for (let i = 0; i < 3; i++) {
      const r = await pool.exchange(query(`q${i}.example`));
      expect(r.ok && r.upstream).toBe(`127.0.0.1:${good.port}`);
      expect(r.ok && r.response.readUInt16BE(0)).toBe(777);
    }
    // Two timeouts marked it down; the third query went straight to the good upstream.
    expect(dead.seen.length).toBe(2);
    expect(pool.status()).toEqual([
      { name: `127.0.0.1:${dead.port}`, fails: 2, down: true },
      { name: `127.0.0.1:${good.port}`, fails: 0, down: false },
    ]);
  });

  it('start() health-checks healthy upstreams too, and counts failed checks', async () => {
    const dead = await upstream(() => 'drop');
    const failures: string[] = [];
    const pool = new UpstreamPool(
      [{ host: '127.0.0.1', port: dead.port }],
      { attemptTimeoutMs: 20, maxFails: 2, healthCheckIntervalMs: 20 },
      { healthCheckFailure: (to) => failures.push(to) },
    );
    cleanups.push(() => pool.close());
    pool.start();
    await expect.poll(() => pool.status()[0].down, { timeout: 5000 }).toBe(true);
    expect(failures[0]).toBe(`127.0.0.1:${dead.port}`);
    expect(dead.seen[0]).toMatchObject({ name: '.', type: 'NS', rd: true });
  });

  it('shares one UDP socket among concurrent queries and gives each its own reply (and works without reuse)', async () => {
    const u = await upstream((q) => {
      const n = Number(/^q([0-9]+)\./.exec(qname(q))?.[1]);
      return reply(q, [{ name: qname(q), type: 'A', class: 'IN', ttl: 60, data: `192.0.2.${n}` }]);
    });
    for (const expireMs of [10_000, 0]) {
      const pool = new UpstreamPool([{ host: '127.0.0.1', port: u.port }], { healthCheckIntervalMs: 0, expireMs });
      cleanups.push(() => pool.close());
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.exchange(query(`q${i}.example`))));
      const ips = replies.map((r) => (r.ok ? (dnsPacket.decode(r.response).answers?.[0] as { data: string }).data : r.error.code));
      expect([expireMs, ips]).toEqual([expireMs, Array.from({ length: 20 }, (_, i) => `192.0.2.${i}`)]);
      expect(replies.every((r) => r.ok && r.response.readUInt16BE(0) === 777)).toBe(true);
    }
  });

  it('says TIMEOUT when nobody answers within the deadline', async () => {
    const dead = await upstream(() => 'drop');
    const pool = new UpstreamPool([{ host: '127.0.0.1', port: dead.port }], { attemptTimeoutMs: 30, deadlineMs: 100, healthCheckIntervalMs: 0 });
    const r = await pool.exchange(query('a.example'));
    expect(r).toEqual({ ok: false, error: { code: 'TIMEOUT', message: expect.stringContaining('no UDP reply') } });
  });

  it('health checks with ". IN NS" bring a down upstream back', async () => {
    // Queries time out, health checks are answered: only the checks can bring it back.
    const u = await upstream((q) => (qtype(q) === 'A' ? 'drop' : reply(q)));
    const failures: string[] = [];
    const pool = new UpstreamPool(
      [{ host: '127.0.0.1', port: u.port }],
      { attemptTimeoutMs: 30, maxFails: 1, healthCheckIntervalMs: 20, healthCheckRecursionDesired: false },
      { healthCheckFailure: (to) => failures.push(to) },
    );
    cleanups.push(() => pool.close());
    await pool.exchange(query('a.example'));
    expect(pool.status()[0].down).toBe(true);
    // The failed query started the probe: no start() needed.
    await expect.poll(() => pool.status()[0].down, { timeout: 5000 }).toBe(false);
    expect(u.seen.find((s) => s.type === 'NS')).toMatchObject({ name: '.', type: 'NS', rd: false });
    expect(failures).toEqual([]);
  });
});
