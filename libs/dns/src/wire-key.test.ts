// wireQuestionKey and wireQuestionName agree with readWireQuestion on real queries; wireRecords walks
// an encoded response.
import { describe, expect, it } from 'vitest';
import dnsPacket from 'dns-packet';
import { encodeResponse } from './encode.ts';
import { readWireQuestion, wireQuestionKey, wireQuestionName, wireRecords } from './question-key.ts';

describe('wire question keys', () => {
  const table: { asked: string; type: 'A' | 'SRV' | 'AAAA'; typeNumber: number; name: string }[] = [
    { asked: 'web.shop.svc.cluster.local', type: 'A', typeNumber: 1, name: 'web.shop.svc.cluster.local' },
    { asked: 'WeB.Shop.svc.CLUSTER.local', type: 'AAAA', typeNumber: 28, name: 'web.shop.svc.cluster.local' },
    { asked: '_http._tcp.web.shop.svc.cluster.local', type: 'SRV', typeNumber: 33, name: '_http._tcp.web.shop.svc.cluster.local' },
    { asked: '.', type: 'A', typeNumber: 1, name: '.' },
  ];
  it.each(table)('$asked $type', ({ asked, type, typeNumber, name }) => {
    const q = readWireQuestion(dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: asked, type }] }));
    expect(q).not.toBeNull();
    if (!q) return;
    expect(wireQuestionName(q)).toBe(name);
    expect(wireQuestionKey(name, typeNumber, 1)).toBe(q.key);
  });

  it('names it cannot spell exactly have no key', () => {
    expect(wireQuestionKey('a\\.b.example', 1, 1)).toBeNull();
    expect(wireQuestionKey('Upper.example', 1, 1)).toBeNull();
    expect(wireQuestionKey('x'.repeat(64) + '.example', 1, 1)).toBeNull();
  });
});

describe('wireRecords', () => {
  it('finds each record, its TTL and whether its owner is a pointer', () => {
    const out = encodeResponse({
      id: 1,
      rcode: 'NOERROR',
      question: { name: 'web.shop', type: 'A' },
      answers: [
        { name: 'web.shop', type: 'A', ttl: 7, data: '10.0.0.1' },
        { name: 'web.shop', type: 'A', ttl: 7, data: '10.0.0.2' },
      ],
      authorities: [],
      additionals: [{ name: 'other.example', type: 'A', ttl: 9, data: '10.0.0.3' }],
      edns: { dnssecOk: false },
    });
    if (!out.ok) throw new Error(out.error.message);
    const records = wireRecords(out.wire);
    expect(records?.map((r) => [r.section, r.type, r.ownerIsPointer, out.wire.readUInt32BE(r.ttlAt)])).toEqual([
      [0, 1, true, 7],
      [0, 1, true, 7],
      [2, 1, false, 9],
      [2, 41, false, 0],
    ]);
    expect(wireRecords(out.wire.subarray(0, out.wire.length - 1))).toBeNull();
  });
});
