import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@halo/testing';
import { loadServer, type DnsServer } from '../../index.ts';
import type { DnsResponse, Next } from '../../plugin.ts';
import { query } from '../../../test/helpers.ts';
import { directiveFrom, request } from '../../../test/dns-fixtures.ts';
import { clientPrefix, responseKind, RrlHandler } from './handler.ts';
import { rrlMetrics } from './metrics.ts';
import { parseRrl, plugin } from './setup.ts';

const big: Next = async () => ({
  rcode: 'NOERROR',
  answers: [{ name: 'x.example', type: 'TXT', ttl: 60, data: 'x'.repeat(200) }],
  authorities: [],
  additionals: [],
});
const nx: Next = async () => ({ rcode: 'NXDOMAIN', answers: [], authorities: [], additionals: [] });

function limiter(text: string) {
  const { directive, ctx } = directiveFrom(text);
  const config = parseRrl(directive, ctx);
  if (Array.isArray(config)) throw new Error(JSON.stringify(config));
  const clock = { ms: 0 };
  return { handler: new RrlHandler(config, rrlMetrics(new Registry()), () => clock.ms), clock };
}

const outcome = (r: DnsResponse) => (r.drop ? 'drop' : r.truncated ? 'slip' : 'send');

describe('rrl: responses over the allowance', () => {
  it('sends the allowance, then drops with every second one slipped, and refills with time', async () => {
    const { handler, clock } = limiter('rrl {\n  responses-per-second 3\n}');
    const from = { remote: { address: '10.0.0.7', port: 1 } };
    const burst = async (n: number) => Promise.all(Array.from({ length: n }, () => handler.serve(request('x.example', 'TXT', from), big).then(outcome)));
    expect(await burst(7)).toEqual(['send', 'send', 'send', 'drop', 'slip', 'drop', 'slip']);
    clock.ms += 1_000;
    // Debt first: the account was at -4; a second brings it to -1.
    expect(await burst(1)).toEqual(['drop']);
    clock.ms += 2_000;
    expect(await burst(2)).toEqual(['send', 'send']);
  });

  it('counts per client prefix, name and type; errors of a client together', async () => {
    const { handler } = limiter('rrl {\n  responses-per-second 1\n  slip-ratio 0\n}');
    const at = (address: string) => ({ remote: { address, port: 1 } });
    const cases: [string, string, string, Next, string][] = [
      ['10.0.0.1', 'a.example', 'TXT', big, 'send'],
      ['10.0.0.2', 'a.example', 'TXT', big, 'drop'], // the same /24
      ['10.0.1.1', 'a.example', 'TXT', big, 'send'], // another /24
      ['10.0.0.1', 'b.example', 'TXT', big, 'send'], // another name
      ['10.0.0.1', 'a.example', 'A', big, 'send'], // another type
      ['10.0.0.1', 'c.example', 'A', nx, 'send'],
      ['10.0.0.1', 'd.example', 'A', nx, 'send'], // NXDOMAIN per name
    ];
    for (const [address, name, type, next, want] of cases) expect(outcome(await handler.serve(request(name, type, at(address)), next))).toBe(want);
  });

  it('leaves TCP alone: its source cannot be spoofed', async () => {
    const { handler } = limiter('rrl {\n  responses-per-second 1\n}');
    for (let i = 0; i < 5; i++) expect(outcome(await handler.serve(request('x.example', 'TXT', { transport: 'tcp' }), big))).toBe('send');
  });

  it('only reports with report-only', async () => {
    const { handler } = limiter('rrl {\n  responses-per-second 1\n  report-only\n}');
    for (let i = 0; i < 5; i++) expect(outcome(await handler.serve(request('x.example', 'TXT'), big))).toBe('send');
  });

  it.each([
    ['10.1.2.3', '10.1.2.0/24'],
    ['::ffff:10.1.2.3', '10.1.2.0/24'],
    ['2001:db8:1:2ff::1', '20010db8000102/56'],
  ])('client %s is prefix %s', (address, prefix) => {
    expect(clientPrefix(address, 24, 56)).toBe(prefix);
  });

  it.each<[DnsResponse, string]>([
    [{ rcode: 'NOERROR', answers: [{ name: 'a', type: 'A', data: '1.1.1.1' }], authorities: [], additionals: [] }, 'response'],
    [{ rcode: 'NOERROR', answers: [], authorities: [{ name: 'a', type: 'SOA', data: { mname: 'a', rname: 'b' } }], additionals: [] }, 'nodata'],
    [{ rcode: 'NOERROR', answers: [], authorities: [{ name: 'a', type: 'NS', data: 'ns.a' }], additionals: [] }, 'referral'],
    [{ rcode: 'NXDOMAIN', answers: [], authorities: [], additionals: [] }, 'nxdomain'],
    [{ rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] }, 'error'],
  ])('kind of %j is %s', (res, kind) => {
    expect(responseKind(res)).toBe(kind);
  });
});

describe('rrl setup errors', () => {
  const cases: [string, number, number, RegExp][] = [
    ['rrl', 2, 1, /limits nothing/],
    ['rrl {\n  responses-per-second 5\n  window many\n}', 4, 10, /one whole number/],
    ['rrl {\n  responses-per-second 5\n  ipv4-prefix-length 33\n}', 4, 22, /1 to 32/],
    ['rrl {\n  responses-per-second 5\n  requests-per-second 5\n}', 4, 3, /not supported/],
    ['rrl {\n  responses-per-second 5\n  burst 5\n}', 4, 3, /unknown property "burst"/],
  ];
  for (const [text, line, column, message] of cases) {
    it(text.replace(/\n\s*/g, ' '), () => {
      const { directive, ctx } = directiveFrom(text, { metrics: new Registry() });
      expect(plugin.setup(directive, ctx)).toEqual([{ file: 'Corefile', line, column, message: expect.stringMatching(message) }]);
    });
  }
});

describe('rrl in a running server', () => {
  let server: DnsServer;
  let port: number;
  beforeAll(async () => {
    // A 55-byte question, a 1 000-byte answer: what a reflection attack looks for.
    const corefile = `amp.example {\n  rrl {\n    responses-per-second 10\n  }\n  template IN TXT {\n    answer "{{ .Name }} 60 IN TXT ${Array.from({ length: 4 }, () => `\\"${'y'.repeat(240)}\\"`).join(' ')}"\n  }\n}\n`;
    const r = await loadServer(corefile, { context: {}, listen: { host: '127.0.0.1', port: 0 } });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    server = r.server;
    port = server.addresses()[0].port;
  });
  afterAll(() => server?.close());

  it('answers a burst of 300 large-answer queries from one source with far fewer full answers', async () => {
    const s = dgram.createSocket('udp4');
    const replies: dnsPacket.DecodedPacket[] = [];
    s.on('message', (m) => replies.push(dnsPacket.decode(m)));
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
    const started = performance.now();
    for (let i = 0; i < 300; i++)
      s.send(query('www.amp.example', 'TXT', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as never] }), port, '127.0.0.1');
    const isFull = (r: dnsPacket.DecodedPacket) => !((r.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) && (r.answers ?? []).length > 0;
    const isSlipped = (r: dnsPacket.DecodedPacket) => ((r.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) !== 0 && (r.answers ?? []).length === 0;
    await waitFor(() => replies.filter(isFull).length >= 10 && replies.some(isSlipped), { timeoutMs: 20_000 });
    const seconds = (performance.now() - started) / 1000;
    s.close();
    const full = replies.filter(isFull).length;
    // 10 a second, plus what the elapsed time credited; the rest dropped or slipped (every second one).
    expect(full).toBeLessThanOrEqual(10 + Math.ceil(seconds * 10));
    expect(replies.length).toBeLessThan(300);
  });
});
