import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { DnsResponse } from '../../plugin.ts';
import { answerText, calledNext, directiveFrom, nextMarker, request } from '../../../test/dns-fixtures.ts';
import { plugin } from './setup.ts';

function setup(text: string, metrics = new Registry()) {
  const { directive, ctx } = directiveFrom(text, { metrics });
  const h = plugin.setup(directive, ctx);
  if (Array.isArray(h)) throw new Error(JSON.stringify(h));
  return h;
}

function summary(r: DnsResponse): string {
  if (calledNext(r)) return 'next';
  const section = (name: string, list: DnsResponse['answers']) => list.map((a) => `${name}: ${answerText(a)}`);
  return [r.rcode, ...section('an', r.answers), ...section('ns', r.authorities), ...section('ar', r.additionals)].join(' | ');
}

const ipFromName = `template IN A example {
  match "^ip-(?P<a>[0-9]+)-(?P<b>[0-9]+)-(?P<c>[0-9]+)-(?P<d>[0-9]+)[.]example[.]$"
  answer "{{ .Name }} 60 IN A {{ .Group.a }}.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
  fallthrough
}`;

describe('template: question → answer', () => {
  const table: { corefile: string; qname: string; qtype?: string; want: string }[] = [
    { corefile: ipFromName, qname: 'ip-10-1-2-3.example', want: 'NOERROR | an: ip-10-1-2-3.example 60 A 10.1.2.3' },
    { corefile: ipFromName, qname: 'IP-10-1-2-3.Example', want: 'NOERROR | an: IP-10-1-2-3.Example 60 A 10.1.2.3' },
    { corefile: ipFromName, qname: 'ip-10-1-2-3.example', qtype: 'AAAA', want: 'next' },
    { corefile: ipFromName, qname: 'www.example', want: 'next' },
    { corefile: ipFromName, qname: 'ip-10-1-2-3.other', want: 'next' },
    {
      corefile: 'template IN A {\n  match ^(.*)\\.tld\\.$\n  answer "{{ .Name }} IN CNAME {{ index .Match 1 }}.example.net."\n}',
      qname: 'shop.tld',
      want: 'NOERROR | an: shop.tld 3600 CNAME shop.example.net',
    },
    {
      corefile: 'template ANY ANY invalid {\n  rcode NXDOMAIN\n  authority "invalid. 60 {{ .Class }} SOA ns.invalid. hostmaster.invalid. 1 60 60 60 60"\n}',
      qname: 'anything.invalid',
      qtype: 'MX',
      want: 'NXDOMAIN | ns: invalid 60 SOA {"mname":"ns.invalid","rname":"hostmaster.invalid","serial":1,"refresh":60,"retry":60,"expire":60,"minimum":60}',
    },
    {
      corefile:
        'template IN TXT example {\n  answer "{{ .Name }} 5 IN TXT \\"zone {{ .Zone }}\\" {{ .Type }}"\n  additional "extra.example. 5 IN A {{ .Remote }}"\n}',
      qname: 'who.example',
      qtype: 'TXT',
      want: 'NOERROR | an: who.example 5 TXT ["zone example.","TXT"] | ar: extra.example 5 A 127.0.0.1',
    },
    { corefile: 'template IN A example {\n  match ^nomatch\\.\n}', qname: 'other.example', want: 'NXDOMAIN' },
    // Nested quantifiers: a backtracking engine takes 2^n steps on n "a"s that do not match (7 s at 30);
    // RE2 takes n. This case never finishes with a backtracking engine.
    { corefile: 'template IN A example {\n  match "^(a+)+$"\n}', qname: `${'a'.repeat(60)}.example`, want: 'NXDOMAIN' },
    {
      corefile: 'template IN A example {\n  match "^(a|aa)+b"\n  answer "{{ .Name }} 60 IN A 10.0.0.1"\n}',
      qname: `${'a'.repeat(60)}.example`,
      want: 'NXDOMAIN',
    },
  ];
  for (const c of table) {
    it(`${c.qname} ${c.qtype ?? 'A'} ← ${c.corefile.split('\n')[0]}`, async () => {
      expect(summary(await setup(c.corefile).serve(request(c.qname, c.qtype ?? 'A'), nextMarker))).toBe(c.want);
    });
  }

  it('counts matches with CoreDNS labels', async () => {
    const metrics = new Registry();
    await setup(ipFromName, metrics).serve(request('ip-1-2-3-4.example'), nextMarker);
    expect(await metrics.metrics()).toContain('coredns_template_matches_total{server="dns://:53",zone="example.",view="",class="IN",type="A"} 1');
  });

  it('answers SERVFAIL and counts when a rendered record does not parse', async () => {
    const metrics = new Registry();
    const h = setup('template IN A {\n  match ^(.*)\\.x\\.$\n  answer "{{ .Name }} 60 IN A 10.0.0.{{ index .Match 1 }}"\n}', metrics);
    expect(summary(await h.serve(request('7.x'), nextMarker))).toBe('NOERROR | an: 7.x 60 A 10.0.0.7');
    expect(summary(await h.serve(request('abc.x'), nextMarker))).toBe('SERVFAIL');
    expect(await metrics.metrics()).toMatch(/coredns_template_rr_failures_total\{.*section="answer".*\} 1/);
  });
});

describe('template setup errors', () => {
  const cases: [string, number, number, RegExp][] = [
    ['template IN', 2, 1, /template: needs CLASS and TYPE/],
    ['template XX A', 2, 10, /"XX" is not a class/],
    ['template IN BOGUS', 2, 13, /"BOGUS" is not a record type/],
    ['template IN A {\n  match (unclosed\n}', 3, 9, /bad regex/],
    // What RE2 cannot run in linear time is not a regular expression it takes: refused at setup.
    ['template IN A {\n  match "^(a+)\\1$"\n}', 3, 9, /bad regex/],
    ['template IN A {\n  match "^(?=a)a"\n}', 3, 9, /bad regex/],
    ['template IN A {\n  answer "{{ .Nope }} A 1.2.3.4"\n}', 3, 10, /unsupported template action "\{\{ \.Nope \}\}"/],
    ['template IN A {\n  answer "{{ .Name }} 60 IN A not-an-ip"\n}', 3, 10, /"not-an-ip" is not an IPv4 address/],
    ['template IN A {\n  rcode MAYBE\n}', 3, 9, /rcode is one of/],
    ['template IN A {\n  respond now\n}', 3, 3, /unknown option "respond"/],
  ];
  for (const [text, line, column, message] of cases) {
    it(text.replace(/\n/g, ' '), () => {
      const { directive, ctx } = directiveFrom(text, { metrics: new Registry() });
      expect(plugin.setup(directive, ctx)).toEqual([{ file: 'Corefile', line, column, message: expect.stringMatching(message) }]);
    });
  }
});
