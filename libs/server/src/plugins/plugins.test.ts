// Table tests of the small plugins: their setup (Corefile → handler or errors) and their answers.
import { describe, expect, it } from 'vitest';
import type { Answer } from 'dns-packet';
import type { DnsResponse, Handler, PluginSetup } from '../types.ts';
import { request, setupOf } from '../../test/plugin-helpers.ts';
import { plugin as errors } from './errors/setup.ts';
import { plugin as health } from './health/setup.ts';
import { plugin as loadbalance } from './loadbalance/setup.ts';
import { shuffleAnswers } from './loadbalance/handler.ts';
import { plugin as log } from './log/setup.ts';
import { plugin as loop } from './loop/setup.ts';
import { loopHandler } from './loop/handler.ts';
import { plugin as prometheus } from './prometheus/setup.ts';
import { plugin as ready } from './ready/setup.ts';
import { notReady } from './ready/handler.ts';
import { plugin as reload } from './reload/setup.ts';
import { plugin as whoami } from './whoami/setup.ts';
import { parseDurationMs } from './args.ts';

const answered = (answers: Answer[]): DnsResponse => ({ rcode: 'NOERROR', authoritative: true, answers, authorities: [], additionals: [] });

describe('setup', () => {
  const cases: [string, PluginSetup, string, string[] | null][] = [
    ['errors', errors, 'errors', null],
    ['errors with consolidate', errors, 'errors {\n consolidate 5m ".* i/o timeout$"\n}', null],
    ['errors with junk', errors, 'errors {\n frob\n}', ['3:2 errors: unknown or malformed property "frob"']],
    ['health default', health, 'health', null],
    ['health lameduck', health, 'health :8080 {\n lameduck 5s\n}', null],
    ['health bad lameduck', health, 'health {\n lameduck soon\n}', ['3:11 health: "soon" is not a duration']],
    ['ready with address', ready, 'ready 127.0.0.1:8181', null],
    ['ready two addresses', ready, 'ready :1 :2', ['2:10 ready: unexpected argument ":2"']],
    ['prometheus', prometheus, 'prometheus :9153', null],
    ['prometheus bad address', prometheus, 'prometheus a:b:c', ['2:12 prometheus: "a:b:c" is not an address (host:port)']],
    ['loadbalance', loadbalance, 'loadbalance round_robin', null],
    [
      'loadbalance weighted',
      loadbalance,
      'loadbalance weighted /f',
      ['2:22 loadbalance: unexpected argument "/f"', '2:13 loadbalance: unknown policy "weighted" (only round_robin)'],
    ],
    ['log', log, 'log . {\n class denial error\n}', null],
    ['log bad class', log, 'log {\n class nope\n}', ['3:8 log: unknown class "nope"']],
    ['reload', reload, 'reload 30s 15s', null],
    ['reload too fast', reload, 'reload 1s', ['2:8 reload: interval must be at least 2s']],
    ['loop', loop, 'loop', null],
    ['loop with args', loop, 'loop x', ['2:6 loop: unexpected argument "x"']],
    ['whoami', whoami, 'whoami', null],
  ];
  it.each(cases)('%s', (_label, p, line, expected) => {
    const r = setupOf(p, line);
    if (expected === null) expect(Array.isArray(r) ? r : 'handler').toBe('handler');
    else expect(r).toEqual(expect.arrayContaining(expected));
  });
});

describe('handlers', () => {
  const next = async (): Promise<DnsResponse> => answered([{ type: 'A', name: 'a.b', ttl: 5, data: '10.0.0.1' }]);

  it('errors turns a throw into SERVFAIL', async () => {
    const h = setupOf(errors, 'errors') as Handler;
    const res = await h.serve(request('a.b'), async () => {
      throw new Error('upstream gone');
    });
    expect(res.rcode).toBe('SERVFAIL');
  });

  it('whoami answers the client address and port', async () => {
    const h = setupOf(whoami, 'whoami') as Handler;
    const res = await h.serve(request('who.example'), next);
    expect(res.additionals).toEqual([
      { type: 'A', name: 'who.example', ttl: 0, data: '10.0.0.9' },
      { type: 'SRV', name: '_udp.who.example', ttl: 0, data: { priority: 0, weight: 0, port: 5353, target: '.' } },
    ]);
  });

  it("loop counts its own probe and declares a loop on the third sighting, with CoreDNS's words", async () => {
    const fatal: string[] = [];
    const h = loopHandler('.', { fatal: (m) => fatal.push(m) });
    // Passed on twice; the third time is fatal, and where the process goes on the probe stops there.
    expect((await h.serve(request(h.probeName, 'HINFO'), next)).rcode).toBe('NOERROR');
    expect((await h.serve(request(h.probeName, 'HINFO'), next)).rcode).toBe('NOERROR');
    expect(fatal).toEqual([]);
    expect((await h.serve(request(h.probeName, 'HINFO'), next)).rcode).toBe('SERVFAIL');
    expect(h.seen()).toBe(3);
    expect(fatal).toEqual([
      `[FATAL] plugin/loop: Loop (10.0.0.9:5353 -> ) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO ${h.probeName}."`,
    ]);
    expect(h.probeName).toMatch(/^[0-9]+\.[0-9]+$/);
    expect((await h.serve(request('other.example', 'HINFO'), next)).rcode).toBe('NOERROR');
  });

  it('loop steps aside when it cannot probe (no listening address)', async () => {
    const fatal: string[] = [];
    const h = loopHandler('cluster.local', { fatal: (m) => fatal.push(m) });
    expect(h.probeName).toMatch(/^[0-9]+\.[0-9]+\.cluster\.local$/);
    await h.start?.();
    for (let i = 0; i < 4; i++) expect((await h.serve(request(h.probeName, 'HINFO'), next)).rcode).toBe('NOERROR');
    expect(fatal).toEqual([]);
  });

  it.each([
    ['one address: untouched', ['A'], false],
    ['CNAME then three A: CNAME stays first', ['CNAME', 'A', 'A', 'A'], true],
    ['SRV only: untouched', ['SRV', 'SRV'], false],
  ])('loadbalance: %s', (_l, types, shuffles) => {
    const answers = types.map(
      (t, i) => ({ type: t, name: 'x', ttl: 1, data: t === 'SRV' ? { port: i, target: 'y' } : t === 'CNAME' ? 'y' : `10.0.0.${i}` }) as Answer,
    );
    const out = shuffleAnswers(answers, () => 0);
    expect(out !== null).toBe(shuffles);
    if (out) {
      expect(out[0]).toBe(answers[0]);
      expect(out.map((a) => a.type)).toEqual(types);
      expect(new Set(out)).toEqual(new Set(answers));
    }
  });

  it('ready names the plugins that are not ready', () => {
    const hs: Handler[] = [
      { name: 'kubernetes', serve: next, ready: () => false },
      { name: 'forward', serve: next },
      { name: 'cache', serve: next, ready: () => true },
    ];
    expect(notReady(hs)).toEqual(['kubernetes']);
  });

  it.each([
    ['5s', 5000],
    ['100ms', 100],
    ['1m30s', 90_000],
    ['0', 0],
    ['soon', null],
    ['5', null],
  ])('duration %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
});
