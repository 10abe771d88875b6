import { describe, expect, it } from 'vitest';
import type { Answer } from 'dns-packet';
import { compareResponses, recordKey, type Response } from './diff.ts';
import { parseQuestions } from './questions.ts';

const soa = (serial: number, ttl = 30): Answer => ({
  name: 'cluster.local',
  type: 'SOA',
  ttl,
  data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 },
});
const a = (name: string, ip: string, ttl = 30): Answer => ({ name, type: 'A', ttl, data: ip });

function response(parts: Partial<Response> & { rcode?: string } = {}): Response {
  return {
    type: 'response',
    id: 1,
    flags: 0,
    flag_qr: true,
    flag_aa: true,
    flag_tc: false,
    flag_rd: true,
    flag_ra: false,
    flag_z: false,
    flag_ad: false,
    flag_cd: false,
    rcode: 'NOERROR',
    questions: [{ name: 'web.shop.svc.cluster.local', type: 'A', class: 'IN' }],
    answers: [],
    authorities: [],
    additionals: [],
    ...parts,
  };
}

describe('compareResponses', () => {
  it.each([
    {
      case: 'the same records in another order agree',
      ours: response({ answers: [a('db.data.svc.cluster.local', '10.0.0.1'), a('db.data.svc.cluster.local', '10.0.0.2')] }),
      theirs: response({ answers: [a('DB.data.svc.cluster.local.', '10.0.0.2'), a('db.data.svc.cluster.local', '10.0.0.1')] }),
      expected: [],
    },
    {
      case: 'TTLs counted down by a cache within the slack agree',
      ours: response({ answers: [a('web.shop.svc.cluster.local', '10.0.0.1', 27)] }),
      theirs: response({ answers: [a('web.shop.svc.cluster.local', '10.0.0.1', 30)] }),
      expected: [],
    },
    {
      case: 'TTLs beyond the slack differ',
      ours: response({ answers: [a('web.shop.svc.cluster.local', '10.0.0.1', 5)] }),
      theirs: response({ answers: [a('web.shop.svc.cluster.local', '10.0.0.1', 30)] }),
      expected: [{ what: 'answers TTL: web.shop.svc.cluster.local A 10.0.0.1', ours: '5', theirs: '30' }],
    },
    {
      case: 'SOA serials are not compared by default',
      ours: response({ rcode: 'NXDOMAIN', authorities: [soa(1)] }),
      theirs: response({ rcode: 'NXDOMAIN', authorities: [soa(1795432766)] }),
      expected: [],
    },
    {
      case: 'rcode, AA and a record only one side has',
      ours: response({ rcode: 'NOERROR', authorities: [soa(1)] }),
      theirs: response({ rcode: 'NXDOMAIN', flag_aa: false, answers: [a('x.cluster.local', '10.0.0.9')], authorities: [soa(1)] }),
      expected: [
        { what: 'rcode', ours: 'NOERROR', theirs: 'NXDOMAIN' },
        { what: 'flag AA', ours: 'true', theirs: 'false' },
        { what: 'answers: x.cluster.local A 10.0.0.9', ours: 'absent', theirs: '1×' },
      ],
    },
    {
      case: 'the question echoed in another case differs',
      ours: response({ questions: [{ name: 'WeB.shop.svc.cluster.local', type: 'A', class: 'IN' }] }),
      theirs: response({ questions: [{ name: 'web.shop.svc.cluster.local', type: 'A', class: 'IN' }] }),
      expected: [{ what: 'question', ours: 'WeB.shop.svc.cluster.local A', theirs: 'web.shop.svc.cluster.local A' }],
    },
    {
      case: 'EDNS on one side only',
      ours: response({
        additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
      }),
      theirs: response(),
      expected: [{ what: 'edns', ours: 'EDNS 1232', theirs: 'no EDNS' }],
    },
  ])('$case', ({ ours, theirs, expected }) => {
    expect(compareResponses(ours, theirs)).toEqual(expected);
  });

  it('takes the rcode from the flags when dns-packet gave none', () => {
    const ours = response({ flags: 3 });
    delete ours.rcode;
    expect(compareResponses(ours, response({ rcode: 'NXDOMAIN' }))).toEqual([]);
  });
});

describe('recordKey', () => {
  it.each([
    [
      {
        name: '_http._tcp.web.shop.svc.cluster.local.',
        type: 'SRV',
        ttl: 30,
        data: { priority: 0, weight: 50, port: 80, target: 'Web.shop.svc.cluster.local.' },
      },
      '_http._tcp.web.shop.svc.cluster.local SRV 0 50 80 web.shop.svc.cluster.local',
    ],
    [
      { name: '10.10.96.10.in-addr.arpa', type: 'PTR', ttl: 30, data: 'web.shop.svc.cluster.local.' },
      '10.10.96.10.in-addr.arpa PTR web.shop.svc.cluster.local',
    ],
    [{ name: 'dns-version.cluster.local', type: 'TXT', ttl: 30, data: [Buffer.from('1.1.0')] }, 'dns-version.cluster.local TXT "1.1.0"'],
  ] as Array<[Answer, string]>)('%o', (record, key) => {
    expect(recordKey(record)).toBe(key);
  });
});

describe('parseQuestions', () => {
  it('reads "name type" lines, skipping comments and blanks', () => {
    expect(parseQuestions('# head\n\nweb.shop.svc.cluster.local A\n  _http._tcp.web.shop.svc.cluster.local srv # named port\n')).toEqual({
      ok: true,
      questions: [
        { name: 'web.shop.svc.cluster.local', type: 'A', line: 3 },
        { name: '_http._tcp.web.shop.svc.cluster.local', type: 'SRV', line: 4 },
      ],
    });
  });

  it('names the line of each bad question', () => {
    const result = parseQuestions('web A\nweb\nweb BOGUS\n', 'q.txt');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.line)).toEqual([2, 3]);
    expect(result.errors[1].message).toBe('q.txt:3: unknown type "BOGUS" (one of A, AAAA, SRV, PTR, CNAME, TXT, SOA, NS, MX, ANY, CAA, HINFO, NAPTR)');
  });
});
