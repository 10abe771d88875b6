import { describe, expect, it } from 'vitest';
import dnsPacket, { type Answer } from 'dns-packet';
import { encodeResponse } from './encode.ts';
import { readExtendedError, readRevision, REVISION_OPTION, revisionOptionData, withRevision } from './revision-option.ts';

const opt = (options: { code: number; data: Buffer }[] = []) =>
  ({ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, ednsVersion: 0, extendedRcode: 0, options }) as unknown as Answer;
const queryWith = (additionals: Answer[]) =>
  dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: 'web.shop.svc.cluster.local', type: 'A', class: 'IN' }], additionals });
const answer: Answer = { name: 'web.shop.svc.cluster.local', type: 'A', ttl: 5, data: '10.0.0.1' };

describe('the revision option', () => {
  it.each([
    ['no EDNS', queryWith([]), null],
    ['EDNS without options', queryWith([opt()]), null],
    ['the option', queryWith([opt([{ code: REVISION_OPTION, data: revisionOptionData(42) }])]), 42],
    [
      'after another option',
      queryWith([
        opt([
          { code: 10, data: Buffer.alloc(8, 1) },
          { code: REVISION_OPTION, data: revisionOptionData(2 ** 40) },
        ]),
      ]),
      2 ** 40,
    ],
    // Another option whose last 12 bytes look like ours is not taken for it.
    [
      'bytes that only look like it',
      queryWith([opt([{ code: 10, data: Buffer.concat([Buffer.alloc(4), Buffer.from([0xfd, 0xe9, 0, 8]), revisionOptionData(5)]) }])]),
      null,
    ],
    ['a truncated message', queryWith([opt([{ code: REVISION_OPTION, data: revisionOptionData(42) }])]).subarray(0, 30), null],
  ])('reads %s', (_name, wire, expected) => {
    expect(readRevision(wire)).toBe(expected);
  });

  it('is appended to a response with an OPT record, which stays valid', () => {
    const encoded = encodeResponse({
      id: 7,
      rcode: 'NOERROR',
      aa: true,
      question: { name: 'web.shop.svc.cluster.local', type: 'A' },
      answers: [answer, { ...answer, data: '10.0.0.2' }],
      authorities: [],
      additionals: [],
      edns: { dnssecOk: false },
    });
    if (!encoded.ok) throw new Error(encoded.error.message);
    const out = withRevision(encoded.wire, 99);
    expect(readRevision(out)).toBe(99);
    const decoded = dnsPacket.decode(out);
    expect((decoded.answers ?? []).map((a) => (a.type === 'A' ? a.data : null))).toEqual(['10.0.0.1', '10.0.0.2']);
    const o = (decoded.additionals ?? []).find((a) => a.type === 'OPT') as unknown as { options: { code: number; data: Buffer }[] };
    expect(o.options.map((x) => x.code)).toEqual([REVISION_OPTION]);
  });

  it.each([
    ['no OPT record', false, 65535],
    ['no room left', true, 40],
  ])('leaves a message as it is with %s', (_name, edns, maxSize) => {
    const encoded = encodeResponse({
      id: 7,
      rcode: 'NOERROR',
      question: { name: 'web.shop.svc.cluster.local', type: 'A' },
      answers: [answer],
      authorities: [],
      additionals: [],
      edns: edns ? { dnssecOk: false } : null,
    });
    if (!encoded.ok) throw new Error(encoded.error.message);
    expect(withRevision(encoded.wire, 3, maxSize)).toBe(encoded.wire);
  });

  it('reads the extended error code', () => {
    const encoded = encodeResponse({
      id: 7,
      rcode: 'REFUSED',
      question: { name: 'web.shop.svc.cluster.local', type: 'A' },
      answers: [],
      authorities: [],
      additionals: [],
      edns: { dnssecOk: false, options: [{ code: 15, data: Buffer.from([0, 14, 0x61]) }] },
    });
    if (!encoded.ok) throw new Error(encoded.error.message);
    expect(readExtendedError(encoded.wire)).toBe(14);
    expect(readExtendedError(withRevision(encoded.wire, 1))).toBe(14);
  });
});
