import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { DnsResponse } from '../../plugin.ts';
import { answerText, calledNext, directiveFrom, nextMarker, request } from '../../../test/dns-fixtures.ts';
import { HostsHandler } from './handler.ts';
import { plugin } from './setup.ts';

const dir = mkdtempSync(join(tmpdir(), 'hosts-'));
const hostsFile = join(dir, 'hosts');
writeFileSync(
  hostsFile,
  '# a comment\n127.0.0.1 localhost\n10.0.0.5   db.example.internal db # the database\nfe80::1%eth0 link.example.internal\n2001:db8::5 db.example.internal\nnot-an-ip broken\n',
);

const closers: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function setup(text: string, metrics = new Registry()): HostsHandler {
  const { directive, ctx, closers: cs } = directiveFrom(text, { metrics });
  const h = plugin.setup(directive, ctx);
  if (Array.isArray(h)) throw new Error(JSON.stringify(h));
  closers.push(...cs);
  return h as HostsHandler;
}

function summary(r: DnsResponse): string {
  if (calledNext(r)) return 'next';
  return [r.rcode, ...r.answers.map(answerText)].join(' | ');
}

describe('hosts: question → answer', () => {
  const corefile = `hosts ${hostsFile} {\n  10.1.2.3 app.example.internal App2.example.internal.\n  2001:db8::1 app.example.internal\n  ttl 60\n}`;
  const table: [string, string, string][] = [
    ['app.example.internal', 'A', 'NOERROR | app.example.internal 60 A 10.1.2.3'],
    ['APP.example.internal', 'A', 'NOERROR | APP.example.internal 60 A 10.1.2.3'],
    ['app2.example.internal', 'A', 'NOERROR | app2.example.internal 60 A 10.1.2.3'],
    ['app.example.internal', 'AAAA', 'NOERROR | app.example.internal 60 AAAA 2001:db8::1'],
    ['app.example.internal', 'MX', 'NOERROR'],
    ['db.example.internal', 'A', 'NOERROR | db.example.internal 60 A 10.0.0.5'],
    ['db', 'A', 'NOERROR | db 60 A 10.0.0.5'],
    ['db.example.internal', 'AAAA', 'NOERROR | db.example.internal 60 AAAA 2001:db8::5'],
    ['link.example.internal', 'AAAA', 'NOERROR | link.example.internal 60 AAAA fe80::1'],
    ['3.2.1.10.in-addr.arpa', 'PTR', 'NOERROR | 3.2.1.10.in-addr.arpa 60 PTR app.example.internal | 3.2.1.10.in-addr.arpa 60 PTR app2.example.internal'],
    [
      '5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
      'PTR',
      'NOERROR | 5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa 60 PTR db.example.internal',
    ],
    ['nothing.example.internal', 'A', 'NXDOMAIN'],
    ['broken', 'A', 'NXDOMAIN'],
  ];
  for (const [qname, qtype, want] of table) {
    it(`${qname} ${qtype}`, async () => {
      const h = setup(corefile);
      expect(summary(await h.serve(request(qname, qtype), nextMarker))).toBe(want);
    });
  }

  it('no_reverse: no PTR; fallthrough sends unknown names on; zones limit what is served', async () => {
    const cases: [string, string, string, string][] = [
      [`hosts ${hostsFile} {\n no_reverse\n}`, '5.0.0.10.in-addr.arpa', 'PTR', 'NXDOMAIN'],
      [`hosts ${hostsFile} {\n fallthrough\n}`, 'nothing.example.internal', 'A', 'next'],
      [`hosts ${hostsFile} {\n fallthrough other.zone\n}`, 'nothing.example.internal', 'A', 'NXDOMAIN'],
      [`hosts ${hostsFile} example.internal`, 'localhost', 'A', 'next'],
      [`hosts ${hostsFile} example.internal`, 'db.example.internal', 'A', 'NOERROR | db.example.internal 3600 A 10.0.0.5'],
      [`hosts ${hostsFile} example.internal`, '1.0.0.127.in-addr.arpa', 'PTR', 'next'],
      [`hosts /nonexistent/hosts {\n 192.0.2.1 only.inline\n}`, 'only.inline', 'A', 'NOERROR | only.inline 3600 A 192.0.2.1'],
    ];
    for (const [text, qname, qtype, want] of cases) {
      const h = setup(text);
      expect([text, qname, summary(await h.serve(request(qname, qtype), nextMarker))]).toEqual([text, qname, want]);
    }
  });

  it('reloads the file when it changes, and counts entries', async () => {
    const file = join(dir, 'reloading');
    writeFileSync(file, '192.0.2.1 a.example\n');
    const metrics = new Registry();
    const invalidated: string[] = [];
    const { directive, ctx, closers: cs } = directiveFrom(`hosts ${file} {\n reload 20ms\n}`, { metrics });
    const h = plugin.setup(directive, { ...ctx, invalidate: (names) => invalidated.push(...names) }) as HostsHandler;
    closers.push(...cs);
    expect(summary(await h.serve(request('a.example'), nextMarker))).toBe('NOERROR | a.example 3600 A 192.0.2.1');
    expect(await metrics.metrics()).toContain('coredns_hosts_entries 1');
    writeFileSync(file, '192.0.2.2 a.example\n192.0.2.3 b.example c.example\n');
    await expect.poll(async () => summary(await h.serve(request('a.example'), nextMarker)), { timeout: 5000 }).toBe('NOERROR | a.example 3600 A 192.0.2.2');
    expect(await metrics.metrics()).toContain('coredns_hosts_entries 3');
    // The server's pre-encoded answers of every name the reload touched are dropped.
    expect(invalidated).toEqual(expect.arrayContaining(['a.example', 'b.example', 'c.example', '1.2.0.192.in-addr.arpa', '2.2.0.192.in-addr.arpa']));
  });
});

describe('hosts setup errors', () => {
  const cases: [string, number, number, RegExp][] = [
    ['hosts {\n  10.0.0.1\n}', 3, 3, /hosts: inline entry "10.0.0.1" needs at least one name/],
    ['hosts {\n  ttl soon\n}', 3, 7, /hosts: ttl needs one number/],
    ['hosts {\n  reload often\n}', 3, 10, /hosts: reload needs one duration/],
    ['hosts {\n  no_reverse please\n}', 3, 14, /no_reverse takes no arguments/],
    ['hosts {\n  10.0.0.1.5 x\n}', 3, 3, /unknown option "10.0.0.1.5"/],
    ['hosts /etc/hosts bad..zone', 2, 18, /"bad..zone" is not a zone/],
  ];
  for (const [text, line, column, message] of cases) {
    it(text.replace(/\n/g, ' '), () => {
      const { directive, ctx } = directiveFrom(text, { metrics: new Registry() });
      expect(plugin.setup(directive, ctx)).toEqual([{ file: 'Corefile', line, column, message: expect.stringMatching(message) }]);
    });
  }
});
