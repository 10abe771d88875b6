import { describe, expect, it } from 'vitest';
import type { DnsRequest, DnsResponse, Handler, Next } from '../../plugin.ts';
import { answerText, directiveFrom, request } from '../../../test/dns-fixtures.ts';
import { plugin } from './setup.ts';

// The rest of the chain: a tiny zone that knows a few names, and says what name it was asked.
const backend: Next = async (req: DnsRequest): Promise<DnsResponse> => {
  const known: Record<string, DnsResponse['answers']> = {
    'web.default.svc.cluster.local': [{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN', ttl: 30, data: '10.96.0.5' }],
    'alias.default.svc.cluster.local': [
      { name: 'alias.default.svc.cluster.local', type: 'CNAME', class: 'IN', ttl: 30, data: 'web.default.svc.cluster.local' },
      { name: 'web.default.svc.cluster.local', type: 'A', class: 'IN', ttl: 30, data: '10.96.0.5' },
    ],
    'api.internal': [{ name: 'api.internal', type: 'A', class: 'IN', ttl: 30, data: '10.0.0.9' }],
  };
  const answers = known[req.qnameLower];
  return {
    rcode: answers ? 'NOERROR' : 'NXDOMAIN',
    answers: answers ?? [],
    authorities: [],
    additionals: [{ name: 'asked.invalid', type: 'TXT', class: 'IN', ttl: 0, data: req.qname }],
  };
};

function chain(lines: string[]): (qname: string) => Promise<string> {
  const handlers: Handler[] = lines.map((line) => {
    const { directive, ctx } = directiveFrom(line);
    const h = plugin.setup(directive, ctx);
    if (Array.isArray(h)) throw new Error(JSON.stringify(h));
    return h;
  });
  const run =
    (i: number): Next =>
    (req) =>
      i < handlers.length ? handlers[i].serve(req, run(i + 1)) : backend(req);
  return async (qname) => {
    const r = await run(0)(request(qname));
    const asked = r.additionals.find((a) => a.name === 'asked.invalid');
    return [`asked ${asked && 'data' in asked ? String(asked.data) : '?'}`, r.rcode, ...r.answers.map(answerText)].join(' | ');
  };
}

describe('rewrite: question → what the chain was asked, and what the client sees', () => {
  const table: { rules: string[]; qname: string; want: string }[] = [
    {
      rules: ['rewrite name web.example.org web.default.svc.cluster.local'],
      qname: 'web.example.org',
      want: 'asked web.default.svc.cluster.local | NOERROR | web.example.org 30 A 10.96.0.5',
    },
    {
      rules: ['rewrite name web.example.org. web.default.svc.cluster.local.'],
      qname: 'WEB.example.org',
      want: 'asked web.default.svc.cluster.local | NOERROR | WEB.example.org 30 A 10.96.0.5',
    },
    {
      rules: ['rewrite name exact web.example.org web.default.svc.cluster.local answer auto'],
      qname: 'other.example.org',
      want: 'asked other.example.org | NXDOMAIN',
    },
    {
      rules: ['rewrite name suffix .example.org .default.svc.cluster.local'],
      qname: 'web.example.org',
      want: 'asked web.default.svc.cluster.local | NOERROR | web.example.org 30 A 10.96.0.5',
    },
    {
      rules: ['rewrite name prefix www. web.'],
      qname: 'www.default.svc.cluster.local',
      want: 'asked web.default.svc.cluster.local | NOERROR | www.default.svc.cluster.local 30 A 10.96.0.5',
    },
    {
      rules: ['rewrite name substring .corp. .svc.'],
      qname: 'web.default.corp.cluster.local',
      want: 'asked web.default.svc.cluster.local | NOERROR | web.default.corp.cluster.local 30 A 10.96.0.5',
    },
    {
      rules: [
        'rewrite name regex (.*)\\.(.*)\\.example\\.org\\. {1}.{2}.svc.cluster.local answer name (.*)\\.(.*)\\.svc\\.cluster\\.local\\. {1}.{2}.example.org',
      ],
      qname: 'alias.default.example.org',
      want: 'asked alias.default.svc.cluster.local | NOERROR | alias.default.example.org 30 CNAME web.default.svc.cluster.local | web.default.example.org 30 A 10.96.0.5',
    },
    {
      rules: [
        'rewrite name regex (.*)\\.(.*)\\.example\\.org\\. {1}.{2}.svc.cluster.local answer value (.*)\\.(.*)\\.svc\\.cluster\\.local\\. {1}.{2}.example.org',
      ],
      qname: 'alias.default.example.org',
      want: 'asked alias.default.svc.cluster.local | NOERROR | alias.default.example.org 30 CNAME web.default.example.org | web.default.svc.cluster.local 30 A 10.96.0.5',
    },
    { rules: ['rewrite name regex (?P<svc>[a-z]+)\\.corp\\.$ {1}.internal'], qname: 'api.corp', want: 'asked api.internal | NOERROR | api.corp 30 A 10.0.0.9' },
    // Nested quantifiers that a backtracking engine takes 2^n steps on: RE2 runs them in linear time.
    { rules: ['rewrite name regex ^(a+)+$ web.example.org'], qname: `${'a'.repeat(60)}.corp`, want: `asked ${'a'.repeat(60)}.corp | NXDOMAIN` },
    // stop (the default): the first matching rule wins; continue: the next rule sees the rewritten name.
    {
      rules: ['rewrite name a.test web.example.org', 'rewrite name suffix .example.org .default.svc.cluster.local'],
      qname: 'a.test',
      want: 'asked web.example.org | NXDOMAIN',
    },
    {
      rules: ['rewrite continue name a.test web.example.org', 'rewrite name suffix .example.org .default.svc.cluster.local'],
      qname: 'a.test',
      want: 'asked web.default.svc.cluster.local | NOERROR | a.test 30 A 10.96.0.5',
    },
  ];
  for (const c of table) {
    it(`${c.rules.join(' ; ')} ← ${c.qname}`, async () => {
      expect(await chain(c.rules)(c.qname)).toBe(c.want);
    });
  }
});

describe('rewrite setup errors', () => {
  const cases: [string, number, number, RegExp][] = [
    ['rewrite', 2, 1, /rewrite: needs a rule/],
    ['rewrite type A AAAA', 2, 9, /the type field is not supported yet/],
    ['rewrite nom a b', 2, 9, /unknown field "nom"/],
    ['rewrite name a.example', 2, 14, /needs FROM and TO/],
    ['rewrite name regex (a b', 2, 20, /bad regex "\(a"/],
    ['rewrite name regex (a)\\1 b', 2, 20, /bad regex/],
    ['rewrite name a b answer name (?!x)y z', 2, 30, /bad regex/],
    ['rewrite name a b answer maybe', 2, 25, /answer is followed by auto/],
    ['rewrite name a b answer name x', 2, 25, /answer name needs FROM and TO/],
    ['rewrite name a b extra', 2, 18, /unexpected "extra"/],
  ];
  for (const [text, line, column, message] of cases) {
    it(text, () => {
      const { directive, ctx } = directiveFrom(text);
      expect(plugin.setup(directive, ctx)).toEqual([{ file: 'Corefile', line, column, message: expect.stringMatching(message) }]);
    });
  }
});
