import { describe, expect, it } from 'vitest';
import dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import {
  answerFromEncoded,
  decodeQuery,
  encodeResponse,
  frameTcp,
  rcodeName,
  readWireQuestion,
  foldedHash,
  foldedQuestion,
  replyClass,
  sameFoldedQuestion,
  scanWireQuestion,
  shuffleAnswersOnWire,
  WireScanScratch,
  writeAnswerFromEncoded,
  TcpMessageReader,
  uniformAnswers,
  type ResponseMessage,
} from './index.ts';
import { rcodeNumber } from './rcode.ts';

const q = (name: string, type = 'A', extra: Partial<Packet> = {}): Buffer =>
  dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }], ...extra });

const opt = (udpPayloadSize: number, flags = 0, ednsVersion = 0): Answer =>
  ({ type: 'OPT', name: '.', udpPayloadSize, flags, ednsVersion, extendedRcode: 0, options: [] }) as unknown as Answer;

function response(answers: Answer[], extra: Partial<ResponseMessage> = {}): ResponseMessage {
  return {
    id: 7,
    rcode: 'NOERROR',
    aa: true,
    question: { name: 'web.shop.svc.cluster.local', type: 'A' },
    answers,
    authorities: [],
    additionals: [],
    edns: null,
    ...extra,
  };
}

describe('rcodes', () => {
  it.each([
    ['NOERROR', 0],
    ['NXDOMAIN', 3],
    ['REFUSED', 5],
    ['BADVERS', 16],
  ] as const)('%s is %d', (name, n) => {
    expect(rcodeNumber(name)).toBe(n);
    expect(rcodeName(n)).toBe(name);
  });
});

describe('decodeQuery', () => {
  const cases: [string, Buffer, string | null, boolean][] = [
    ['short message', Buffer.from([1, 2, 3]), 'NOT_A_QUERY', false],
    ['a response', dnsPacket.encode({ type: 'response', id: 1, flags: 0x8000, questions: [{ name: 'a', type: 'A' }] }), 'NOT_A_QUERY', false],
    ['opcode NOTIFY', Buffer.from(q('a.b').map((b, i) => (i === 2 ? 0x20 : b))), 'NOTIMP', true],
    [
      'two questions',
      dnsPacket.encode({
        type: 'query',
        id: 1,
        questions: [
          { name: 'a', type: 'A' },
          { name: 'b', type: 'A' },
        ],
      }),
      'FORMERR',
      true,
    ],
    ['truncated question', q('web.shop').subarray(0, 16), 'FORMERR', true],
    ['EDNS version 1', q('a.b', 'A', { additionals: [opt(1232, 0, 1)] }), 'BADVERS', true],
    ['two OPT records', q('a.b', 'A', { additionals: [opt(1232), opt(1232)] }), 'FORMERR', true],
    ['good query', q('Web.Shop.svc.cluster.local'), null, false],
  ];
  it.each(cases)('%s', (_name, wire, code, replies) => {
    const r = decodeQuery(wire);
    if (code === null) {
      expect(r.ok).toBe(true);
      return;
    }
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.reply !== null).toBe(replies);
    if (r.reply) {
      const decoded = dnsPacket.decode(r.reply);
      expect(decoded.id).toBe(wire.readUInt16BE(0));
      expect(decoded.flag_qr).toBe(true);
      expect(r.reply[3] & 0xf).toBe(code === 'BADVERS' ? 0 : rcodeNumber(code as 'FORMERR'));
    }
  });

  it('reads the question and EDNS', () => {
    const r = decodeQuery(q('Web.Shop.svc.cluster.local.', 'SRV', { additionals: [opt(4096, 0x8000)] }));
    expect(r.ok && r.query).toMatchObject({
      id: 4242,
      rd: true,
      qname: 'Web.Shop.svc.cluster.local',
      qnameLower: 'web.shop.svc.cluster.local',
      qtype: 'SRV',
      qclass: 'IN',
      edns: { udpSize: 4096, dnssecOk: true, version: 0 },
    });
  });

  it('raises a tiny EDNS size to 512', () => {
    const r = decodeQuery(q('a.b', 'A', { additionals: [opt(100)] }));
    expect(r.ok && r.query.edns?.udpSize).toBe(512);
  });
});

describe('encodeResponse', () => {
  const name = 'web.shop.svc.cluster.local';
  const records: [string, Answer][] = [
    ['A', { type: 'A', name, ttl: 30, data: '10.0.0.1' }],
    ['AAAA', { type: 'AAAA', name, ttl: 30, data: 'fd00::1:2' }],
    ['AAAA v4-mapped', { type: 'AAAA', name, ttl: 30, data: '::ffff:10.1.2.3' }],
    ['CNAME', { type: 'CNAME', name, ttl: 5, data: 'other.shop.svc.cluster.local' }],
    ['PTR', { type: 'PTR', name: '1.0.0.10.in-addr.arpa', ttl: 5, data: name }],
    ['NS', { type: 'NS', name: 'cluster.local', ttl: 5, data: 'ns.dns.cluster.local' }],
    ['SRV', { type: 'SRV', name: `_http._tcp.${name}`, ttl: 5, data: { priority: 0, weight: 100, port: 80, target: name } }],
    ['MX', { type: 'MX', name, ttl: 5, data: { preference: 10, exchange: `mail.${name}` } }],
    ['TXT', { type: 'TXT', name, ttl: 5, data: ['hello', Buffer.from('world')] }],
    [
      'SOA',
      {
        type: 'SOA',
        name: 'cluster.local',
        ttl: 5,
        data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 12, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
      },
    ],
    ['CAA (via dns-packet)', { type: 'CAA', name, ttl: 5, data: { flags: 0, tag: 'issue', value: 'ca.example' } }],
  ];
  it.each(records)('%s round-trips through dns-packet', (_label, rr) => {
    const r = encodeResponse(response([rr]));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const decoded = dnsPacket.decode(r.wire);
    expect(decoded.answers?.[0]).toMatchObject({
      ...rr,
      data: rr.type === 'TXT' ? [Buffer.from('hello'), Buffer.from('world')] : rr.type === 'AAAA' ? expect.any(String) : (rr as { data: unknown }).data,
    });
    expect(decoded.flag_aa).toBe(true);
  });

  it('compresses names', () => {
    const answers: Answer[] = [1, 2, 3, 4].map((i) => ({ type: 'A', name, ttl: 30, data: `10.0.0.${i}` }));
    const r = encodeResponse(response(answers));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const plain = dnsPacket.encode({ type: 'response', id: 7, questions: [{ name, type: 'A' }], answers });
    expect(r.wire.length).toBeLessThan(plain.length / 1.5);
    expect(dnsPacket.decode(r.wire).answers?.map((a) => (a as { data: unknown }).data)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
  });

  it('echoes EDNS with our size, DO and extended rcode', () => {
    const r = encodeResponse(response([], { rcode: 'NXDOMAIN', edns: { dnssecOk: true } }));
    if (!r.ok) throw new Error(r.error.message);
    const decoded = dnsPacket.decode(r.wire);
    expect((decoded as unknown as { rcode: string }).rcode).toBe('NXDOMAIN');
    expect(decoded.additionals?.[0]).toMatchObject({ type: 'OPT', udpPayloadSize: 1232, flag_do: true });
  });

  it('truncates at whole RRsets and sets TC', () => {
    const many = (owner: string, n: number): Answer[] =>
      Array.from({ length: n }, (_, i) => ({ type: 'A' as const, name: owner, ttl: 30, data: `10.0.${i >> 8}.${i & 255}` }));
    // Two RRsets of 20 A records each (~16 bytes per record compressed): the second does not fit in 512.
    const answers = [...many(name, 20), ...many(`x.${name}`, 20)];
    const r = encodeResponse(response(answers), 512);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.truncated).toBe(true);
    expect(r.wire.length).toBeLessThanOrEqual(512);
    const decoded = dnsPacket.decode(r.wire);
    expect(decoded.flag_tc).toBe(true);
    expect(decoded.answers).toHaveLength(20);
    const full = encodeResponse(response(answers));
    expect(full.ok && full.truncated).toBe(false);
  });

  it('drops additionals that do not fit without TC', () => {
    const extra: Answer[] = Array.from({ length: 60 }, (_, i) => ({ type: 'A' as const, name: `h${i}.${name}`, ttl: 30, data: '10.0.0.1' }));
    const r = encodeResponse(response([{ type: 'A', name, ttl: 30, data: '10.0.0.9' }], { additionals: extra, edns: { dnssecOk: false } }), 512);
    if (!r.ok) throw new Error(r.error.message);
    const decoded = dnsPacket.decode(r.wire);
    expect(decoded.flag_tc).toBe(false);
    expect(decoded.answers).toHaveLength(1);
    expect(decoded.additionals?.at(-1)?.type).toBe('OPT');
    expect(r.wire.length).toBeLessThanOrEqual(512);
  });

  it.each([
    ['a label over 63 bytes', { type: 'A', name: `${'a'.repeat(64)}.b`, data: '10.0.0.1' }, 'BAD_NAME'],
    ['a bad IPv4', { type: 'A', name: 'a.b', data: '10.0.0' }, 'BAD_RECORD'],
    ['a bad IPv6', { type: 'AAAA', name: 'a.b', data: 'fd00:::1' }, 'BAD_RECORD'],
    ['a name over 255 bytes', { type: 'A', name: Array(9).fill('a'.repeat(30)).join('.'), data: '10.0.0.1' }, 'BAD_NAME'],
  ] as [string, Answer, string][])('returns an error for %s', (_label, rr, code) => {
    const r = encodeResponse(response([rr]));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe(code);
  });
});

describe('fast path', () => {
  it('keys case-insensitively and copies out with the client id and case', () => {
    const a = readWireQuestion(q('Web.SHOP.svc.cluster.local'));
    const b = readWireQuestion(q('web.shop.svc.cluster.local'));
    expect(a && b && a.key === b.key).toBe(true);
    const c = readWireQuestion(q('web.shop.svc.cluster.local', 'AAAA'));
    expect(c?.key).not.toBe(b?.key);
    // The hash a lookup uses without strings folds case the same way, and sees the type.
    expect(a?.hash).toBe(b?.hash);
    expect(c?.hash).not.toBe(b?.hash);
    const wire = Buffer.from(q('Web.SHOP.svc.cluster.local'));
    const folded = Buffer.from(wire.subarray(12, (a?.nameEnd ?? 0) + 4)).map((x) => (x >= 0x41 && x <= 0x5a ? x | 0x20 : x));
    expect(sameFoldedQuestion(wire, folded)).toBe(true);
    expect(a && foldedQuestion(wire, a)).toEqual(new Uint8Array(folded));
    expect(foldedHash(folded, 0, folded.length)).toBe(a?.hash);
    expect(sameFoldedQuestion(Buffer.from(q('web.shop.svc.cluster.locaL', 'AAAA')), folded)).toBe(false);

    const enc = encodeResponse(response([{ type: 'A', name: 'web.shop.svc.cluster.local', ttl: 30, data: '10.0.0.1' }], { rd: true }));
    if (!enc.ok) throw new Error(enc.error.message);
    const query = Buffer.from(q('Web.SHOP.svc.cluster.local'));
    query.writeUInt16BE(999, 0);
    query[2] &= ~0x01; // RD off
    const wq = readWireQuestion(query);
    if (!wq) throw new Error('no wire question');
    const out = dnsPacket.decode(answerFromEncoded(enc.wire, query, wq));
    expect(out.id).toBe(999);
    expect(out.flag_rd).toBe(false);
    expect(out.questions?.[0].name).toBe('Web.SHOP.svc.cluster.local');
    expect(out.answers?.[0]).toMatchObject({ name: 'Web.SHOP.svc.cluster.local', data: '10.0.0.1' });
  });

  it.each([
    ['EDNS', q('a.b', 'A', { additionals: [opt(1232, 0x8000)] }), { udpSize: 1232, dnssecOk: true }],
    ['no EDNS', q('a.b'), null],
  ])('reads %s', (_l, wire, edns) => {
    expect(readWireQuestion(wire)?.edns).toEqual(edns);
  });

  it('scans into a scratch the same as into a new scan, one query after another', () => {
    const scratch = new WireScanScratch();
    for (const wire of [
      q('a.b', 'A', { additionals: [opt(1232, 0x8000)] }),
      q('Web.SHOP.svc.cluster.local', 'SRV'),
      q('c.d', 'AAAA', { additionals: [opt(4096, 0)] }),
    ]) {
      const fresh = scanWireQuestion(wire);
      const reused = scanWireQuestion(wire, scratch);
      expect(reused).toBe(scratch.scan);
      expect(reused).toEqual(fresh);
    }
    expect(scanWireQuestion(Buffer.concat([q('a.b'), Buffer.from([0])]), scratch)).toBeNull();
  });

  it('writes a copy out at an offset exactly as it copies one out alone', () => {
    const enc = encodeResponse(response([{ type: 'A', name: 'web.shop.svc.cluster.local', ttl: 30, data: '10.0.0.1' }], { rd: true }));
    if (!enc.ok) throw new Error(enc.error.message);
    const query = Buffer.from(q('Web.SHOP.svc.cluster.local'));
    query.writeUInt16BE(4242, 0);
    const scan = scanWireQuestion(query);
    if (!scan) throw new Error('no scan');
    const out = Buffer.alloc(enc.wire.length + 200, 0xee);
    writeAnswerFromEncoded(enc.wire, query, scan, out, 100);
    expect(out.subarray(100, 100 + enc.wire.length)).toEqual(answerFromEncoded(enc.wire, query, scan));
    // Nothing outside its place is touched.
    expect(out.subarray(0, 100).every((b) => b === 0xee)).toBe(true);
    expect(out.subarray(100 + enc.wire.length).every((b) => b === 0xee)).toBe(true);
  });

  it.each([
    ['trailing garbage', Buffer.concat([q('a.b'), Buffer.from([0])])],
    ['EDNS version 1', q('a.b', 'A', { additionals: [opt(1232, 0, 1)] })],
    ['a response', dnsPacket.encode({ type: 'response', id: 1, flags: 0x8000, questions: [{ name: 'a', type: 'A' }] })],
  ])('leaves %s to the slow path', (_l, wire) => {
    expect(readWireQuestion(wire)).toBeNull();
  });
});

describe('TCP framing', () => {
  it('splits pipelined messages however the chunks fall', () => {
    const msgs = [q('a.b'), q('c.d', 'AAAA'), q('e.f', 'SRV')];
    const stream = Buffer.concat(msgs.map(frameTcp));
    for (const size of [1, 2, 3, 7, stream.length]) {
      const reader = new TcpMessageReader();
      const got: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) got.push(...reader.push(stream.subarray(i, i + size)));
      expect(got.map((m) => m.toString('hex'))).toEqual(msgs.map((m) => m.toString('hex')));
      expect(reader.buffered).toBe(0);
    }
  });
});

describe('fuzz', () => {
  it('decodes random and mutated messages without throwing', () => {
    const seed = q('web.shop.svc.cluster.local', 'A', { additionals: [opt(1232)] });
    let x = 12345;
    const rnd = (n: number): number => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x % n;
    };
    for (let i = 0; i < 20000; i++) {
      let wire: Buffer;
      if (i % 2 === 0) {
        wire = Buffer.from(seed);
        for (let k = 0; k < 1 + rnd(4); k++) wire[rnd(wire.length)] = rnd(256);
        if (rnd(4) === 0) wire = wire.subarray(0, rnd(wire.length));
      } else {
        wire = Buffer.from(Array.from({ length: rnd(80) }, () => rnd(256)));
      }
      const r = decodeQuery(wire);
      readWireQuestion(wire);
      if (r.ok) {
        const enc = encodeResponse({
          id: r.query.id,
          rcode: 'NOERROR',
          question: { name: r.query.qname, type: r.query.qtype, class: r.query.qclass },
          answers: [],
          authorities: [],
          additionals: [],
          edns: null,
        });
        expect(typeof enc.ok).toBe('boolean');
      }
    }
  });
});

describe('answers shuffled on the wire', () => {
  const a = (data: string, name = 'db.shop.svc.cluster.local'): Answer => ({ type: 'A', name, ttl: 30, class: 'IN', data });
  const encoded = (answers: Answer[], type = 'A') => {
    const enc = encodeResponse(response(answers, { question: { name: 'db.shop.svc.cluster.local', type } }));
    if (!enc.ok) throw new Error(enc.error.message);
    return enc.wire;
  };
  it.each([
    ['three A records', [a('10.0.0.1'), a('10.0.0.2'), a('10.0.0.3')], 'A', { count: 3, size: 16 }],
    [
      'two AAAA records',
      [
        { type: 'AAAA', name: 'db.shop.svc.cluster.local', ttl: 30, class: 'IN', data: 'fd00::1' },
        { type: 'AAAA', name: 'db.shop.svc.cluster.local', ttl: 30, class: 'IN', data: 'fd00::2' },
      ] as Answer[],
      'AAAA',
      { count: 2, size: 28 },
    ],
    ['one A record', [a('10.0.0.1')], 'A', null],
    [
      'SRV records',
      [
        {
          type: 'SRV',
          name: 'db.shop.svc.cluster.local',
          ttl: 30,
          class: 'IN',
          data: { priority: 0, weight: 50, port: 80, target: 'a.db.shop.svc.cluster.local' },
        },
        {
          type: 'SRV',
          name: 'db.shop.svc.cluster.local',
          ttl: 30,
          class: 'IN',
          data: { priority: 0, weight: 50, port: 80, target: 'b.db.shop.svc.cluster.local' },
        },
      ] as Answer[],
      'SRV',
      null,
    ],
    [
      'a CNAME before addresses',
      [
        { type: 'CNAME', name: 'db.shop.svc.cluster.local', ttl: 30, class: 'IN', data: 'x.shop.svc.cluster.local' },
        a('10.0.0.1', 'x.shop.svc.cluster.local'),
        a('10.0.0.2', 'x.shop.svc.cluster.local'),
      ] as Answer[],
      'A',
      null,
    ],
  ])('%s', (_l, answers, type, expected) => {
    const layout = uniformAnswers(encoded(answers, type));
    if (expected === null) expect(layout).toBeNull();
    else expect(layout).toMatchObject(expected);
  });

  it('reorders whole records and keeps the message valid', () => {
    const addrs = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'];
    const wire = encoded(addrs.map((ip) => a(ip)));
    const layout = uniformAnswers(wire);
    if (!layout) throw new Error('no layout');
    let draw = 0;
    shuffleAnswersOnWire(wire, layout, () => [0.1, 0.9, 0.4][draw++ % 3]);
    const out = dnsPacket.decode(wire);
    const data = (out.answers ?? []).map((rr) => String((rr as { data?: unknown }).data));
    expect(data).not.toEqual(addrs);
    expect([...data].sort()).toEqual(addrs);
    expect((out.answers ?? []).every((rr) => rr.name === 'db.shop.svc.cluster.local')).toBe(true);
  });

  it('reorders in place at an offset, and nothing around it', () => {
    const addrs = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'];
    const wire = encoded(addrs.map((ip) => a(ip)));
    const layout = uniformAnswers(wire);
    if (!layout) throw new Error('no layout');
    const out = Buffer.concat([Buffer.alloc(64, 0xee), wire, Buffer.alloc(64, 0xee)]);
    let draw = 0;
    shuffleAnswersOnWire(out, layout, () => [0.1, 0.9, 0.4][draw++ % 3], 64);
    const data = (dnsPacket.decode(out.subarray(64, 64 + wire.length)).answers ?? []).map((rr) => String((rr as { data?: unknown }).data));
    expect(data).not.toEqual(addrs);
    expect([...data].sort()).toEqual(addrs);
    expect(out.subarray(0, 64).every((b) => b === 0xee) && out.subarray(64 + wire.length).every((b) => b === 0xee)).toBe(true);
  });

  it('keys types that differ only in what would be a letter apart (HTTPS 65 and 97)', () => {
    const wire = Buffer.from(q('a.b', 'A'));
    const nameEnd = readWireQuestion(wire)?.nameEnd ?? 0;
    wire.writeUInt16BE(65, nameEnd);
    const https = readWireQuestion(wire);
    wire.writeUInt16BE(97, nameEnd);
    const other = readWireQuestion(wire);
    expect(https && other && https.key !== other.key).toBe(true);
  });
});

describe('replyClass', () => {
  const udp = (udpSize: number, dnssecOk = false) => replyClass('udp', { udpSize, dnssecOk });
  it('tells apart what changes the reply, and only that', () => {
    const classes = [
      replyClass('udp', null),
      udp(512),
      udp(1232),
      udp(1232, true),
      replyClass('tcp', null),
      replyClass('tcp', { udpSize: 1232, dnssecOk: false }),
      replyClass('tcp', { udpSize: 1232, dnssecOk: true }),
    ];
    expect(new Set(classes).size).toBe(classes.length);
    // Sizes above the cap get the same reply.
    expect(udp(4096)).toBe(udp(1232));
    expect(replyClass('tcp', { udpSize: 512, dnssecOk: false })).toBe(replyClass('tcp', { udpSize: 4096, dnssecOk: false }));
  });
});
