// Decoding queries without ever throwing: a malformed message becomes a value (and a reply to send).
import type { DecodedPacket, OptAnswer } from 'dns-packet';
import { packetCodec } from './codec.ts';
import { rcodeNumber, type RcodeName } from './rcode.ts';

export interface QueryEdns {
  /** The client's UDP payload size, at least 512. */
  udpSize: number;
  dnssecOk: boolean;
  version: number;
  options: { code: number; data?: Buffer }[];
}

export interface DnsQuery {
  id: number;
  opcode: number;
  rd: boolean;
  cd: boolean;
  ad: boolean;
  /** Name as asked, no trailing dot; '.' for the root. */
  qname: string;
  qnameLower: string;
  qtype: string;
  qclass: string;
  /** The numbers on the wire, so that a type or class we have no name for is echoed as asked. */
  qtypeNumber: number;
  qclassNumber: number;
  edns: QueryEdns | null;
  packet: DecodedPacket;
}

export interface QueryError {
  code: 'FORMERR' | 'NOTIMP' | 'BADVERS' | 'NOT_A_QUERY';
  message: string;
}

/** `reply` is the error response to send back, or null when the message deserves no answer. */
export type DecodeResult = { ok: true; query: DnsQuery } | { ok: false; error: QueryError; reply: Buffer | null };

const HEADER = 12;

export function decodeQuery(wire: Buffer): DecodeResult {
  if (wire.length < HEADER) {
    return { ok: false, error: { code: 'NOT_A_QUERY', message: `message of ${wire.length} bytes is shorter than a DNS header` }, reply: null };
  }
  const flags = wire.readUInt16BE(2);
  if (flags & 0x8000) {
    // Never answer a response: that is how reflection loops start.
    return { ok: false, error: { code: 'NOT_A_QUERY', message: 'message has QR set (a response)' }, reply: null };
  }
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) {
    return fail(wire, 'NOTIMP', `opcode ${opcode} is not implemented`);
  }
  const qdcount = wire.readUInt16BE(4);
  if (qdcount !== 1) return fail(wire, 'FORMERR', `query has ${qdcount} questions, not 1`);
  let packet: DecodedPacket;
  try {
    packet = packetCodec.decode(wire);
  } catch (err) {
    return fail(wire, 'FORMERR', `malformed query: ${err instanceof Error ? err.message : String(err)}`);
  }
  const question = packet.questions?.[0];
  if (!question || typeof question.name !== 'string') return fail(wire, 'FORMERR', 'query has no question');
  if ((packet.answers?.length ?? 0) > 0) return fail(wire, 'FORMERR', 'query carries answers');

  let edns: QueryEdns | null = null;
  for (const rr of packet.additionals ?? []) {
    if (rr.type !== 'OPT') continue;
    if (edns) return fail(wire, 'FORMERR', 'query has more than one OPT record');
    const opt = rr as OptAnswer;
    if (opt.name !== '.') return fail(wire, 'FORMERR', 'OPT record owner is not the root');
    edns = {
      udpSize: Math.max(512, opt.udpPayloadSize),
      dnssecOk: (opt.flags & 0x8000) !== 0,
      version: opt.ednsVersion,
      options: (opt.options ?? []).map((o) => ({ code: o.code, data: o.data })),
    };
  }
  if (edns && edns.version !== 0) {
    return fail(wire, 'BADVERS', `EDNS version ${edns.version} is not supported`, true);
  }
  let at = HEADER;
  while (at < wire.length && wire[at] !== 0) {
    if (wire[at] > 63) return fail(wire, 'FORMERR', 'question name is compressed or has a bad label');
    at += wire[at] + 1;
  }
  if (at + 5 > wire.length) return fail(wire, 'FORMERR', 'question is cut short');
  const qtypeNumber = wire.readUInt16BE(at + 1);
  const qclassNumber = wire.readUInt16BE(at + 3);
  const qname = question.name.endsWith('.') && question.name !== '.' ? question.name.slice(0, -1) : question.name;
  const qtype = String(question.type);
  const qclass = String(question.class ?? 'IN');
  return {
    ok: true,
    query: {
      id: packet.id ?? 0,
      opcode,
      rd: packet.flag_rd,
      cd: packet.flag_cd,
      ad: packet.flag_ad,
      qname,
      qnameLower: qname.toLowerCase(),
      qtype,
      qclass,
      qtypeNumber,
      qclassNumber,
      edns,
      packet,
    },
  };
}

function fail(wire: Buffer, code: 'FORMERR' | 'NOTIMP' | 'BADVERS', message: string, withOpt = false): DecodeResult {
  return { ok: false, error: { code, message }, reply: errorReply(wire, code, withOpt) };
}

/**
 * A header-only reply to a query we cannot parse: its id, opcode and RD copied, no question
 * (we may not be able to read it). BADVERS carries its upper bits in an OPT record.
 */
export function errorReply(wire: Buffer, rcode: RcodeName, withOpt = false): Buffer | null {
  if (wire.length < 2) return null;
  const n = rcodeNumber(rcode);
  const out = Buffer.alloc(HEADER + (withOpt ? 11 : 0));
  out.writeUInt16BE(wire.readUInt16BE(0), 0);
  const qflags = wire.length >= 4 ? wire.readUInt16BE(2) : 0;
  out.writeUInt16BE(0x8000 | (qflags & 0x7900) | (n & 0xf), 2);
  if (withOpt) {
    out.writeUInt16BE(1, 10);
    out[HEADER] = 0;
    out.writeUInt16BE(41, HEADER + 1);
    out.writeUInt16BE(1232, HEADER + 3);
    out[HEADER + 5] = n >> 4;
  }
  return out;
}
