// Encoding responses with name compression and clean truncation at whole RRsets.
import type { Answer } from 'dns-packet';
import { isIPv4, isIPv6 } from 'node:net';
import { answerCodec, classNumber, typeNumber } from './codec.ts';
import { NameWriter, type NameError } from './name.ts';
import { rcodeNumber, type RcodeName } from './rcode.ts';

/** Our UDP payload size when we send EDNS (the DNS flag day 2020 value). */
export const DEFAULT_UDP_SIZE = 1232;
export const MAX_MESSAGE_SIZE = 65535;

export interface EdnsOption {
  code: number;
  data: Buffer;
}

export interface ResponseEdns {
  /** The size we advertise; DEFAULT_UDP_SIZE when absent. */
  udpSize?: number;
  dnssecOk: boolean;
  options?: EdnsOption[];
}

export interface ResponseQuestion {
  name: string;
  /** Mnemonic or number (numbers echo types we have no name for). */
  type: string | number;
  class?: string | number;
}

export interface ResponseMessage {
  id: number;
  opcode?: number;
  rcode: RcodeName | number;
  aa?: boolean;
  tc?: boolean;
  rd?: boolean;
  ra?: boolean;
  ad?: boolean;
  cd?: boolean;
  question: ResponseQuestion | null;
  answers: readonly Answer[];
  authorities: readonly Answer[];
  additionals: readonly Answer[];
  /** Include an OPT record (only when the query had one, RFC 6891 7). */
  edns: ResponseEdns | null;
}

export interface EncodeError {
  code: 'BAD_NAME' | 'BAD_RECORD' | 'TOO_LARGE';
  message: string;
}

export type EncodeResult = { ok: true; wire: Buffer; truncated: boolean } | { ok: false; error: EncodeError };

// One scratch buffer: encoding is synchronous, so messages never share it at the same time.
// Room for a full message plus one more record before the size check.
const scratch = Buffer.alloc(MAX_MESSAGE_SIZE * 2 + 1024);

/**
 * Encodes a response. With `maxSize` (the client's UDP size), RRsets that do not fit are left out
 * whole: missing answers or authorities set TC, missing additionals do not (RFC 2181 9).
 */
export function encodeResponse(msg: ResponseMessage, maxSize: number = MAX_MESSAGE_SIZE): EncodeResult {
  const buf = scratch;
  const names = new NameWriter(buf);
  const limit = Math.min(Math.max(maxSize, 512), MAX_MESSAGE_SIZE);
  const rcode = typeof msg.rcode === 'number' ? msg.rcode : rcodeNumber(msg.rcode);
  const optSize = msg.edns ? 11 + (msg.edns.options ?? []).reduce((n, o) => n + 4 + o.data.length, 0) : 0;
  const room = limit - optSize;

  buf.writeUInt16BE(msg.id & 0xffff, 0);
  let offset = 12;
  let qdcount = 0;
  if (msg.question) {
    const end = names.write(msg.question.name, offset, true);
    if (typeof end !== 'number') return { ok: false, error: end };
    const qtype = typeof msg.question.type === 'number' ? msg.question.type : typeNumber(msg.question.type);
    const qclass = typeof msg.question.class === 'number' ? msg.question.class : classNumber(msg.question.class ?? 'IN');
    if (qtype === 0 || qclass === 0) {
      return { ok: false, error: { code: 'BAD_RECORD', message: `question type ${msg.question.type} or class ${msg.question.class} is unknown` } };
    }
    buf.writeUInt16BE(qtype, end);
    buf.writeUInt16BE(qclass, end + 2);
    offset = end + 4;
    qdcount = 1;
  }

  let truncated = msg.tc === true;
  const counts = [0, 0, 0];
  const sections = [msg.answers, msg.authorities, msg.additionals];
  for (let s = 0; s < 3 && !truncated; s++) {
    const records = sections[s];
    let i = 0;
    while (i < records.length) {
      // One RRset: consecutive records of the same owner and type.
      const setStart = offset;
      let j = i;
      const owner = records[i].name.toLowerCase();
      const type = records[i].type;
      let failed: EncodeError | null = null;
      while (j < records.length && records[j].type === type && records[j].name.toLowerCase() === owner) {
        const end = writeRecord(names, records[j], offset);
        if (typeof end !== 'number') {
          failed = end;
          break;
        }
        offset = end;
        j++;
        if (offset > room) break;
      }
      if (failed) return { ok: false, error: failed };
      if (offset > room) {
        offset = setStart;
        names.reset(setStart);
        if (s < 2) truncated = true;
        break;
      }
      counts[s] += j - i;
      i = j;
    }
    if (i < records.length && s === 2) break;
  }

  let arcount = counts[2];
  if (msg.edns) {
    offset = writeOpt(buf, offset, msg.edns, rcode);
    arcount++;
  }

  const flags =
    0x8000 |
    (((msg.opcode ?? 0) & 0xf) << 11) |
    (msg.aa ? 0x0400 : 0) |
    (truncated ? 0x0200 : 0) |
    (msg.rd ? 0x0100 : 0) |
    (msg.ra ? 0x0080 : 0) |
    (msg.ad ? 0x0020 : 0) |
    (msg.cd ? 0x0010 : 0) |
    (rcode & 0xf);
  buf.writeUInt16BE(flags, 2);
  buf.writeUInt16BE(qdcount, 4);
  buf.writeUInt16BE(counts[0], 6);
  buf.writeUInt16BE(counts[1], 8);
  buf.writeUInt16BE(arcount, 10);
  if (offset > limit) {
    return { ok: false, error: { code: 'TOO_LARGE', message: `the response needs ${offset} bytes, more than ${limit}` } };
  }
  return { ok: true, wire: Buffer.from(buf.subarray(0, offset)), truncated };
}

function writeOpt(buf: Buffer, offset: number, edns: ResponseEdns, rcode: number): number {
  buf[offset] = 0;
  buf.writeUInt16BE(41, offset + 1);
  buf.writeUInt16BE(edns.udpSize ?? DEFAULT_UDP_SIZE, offset + 3);
  buf[offset + 5] = (rcode >> 4) & 0xff;
  buf[offset + 6] = 0;
  buf.writeUInt16BE(edns.dnssecOk ? 0x8000 : 0, offset + 7);
  let at = offset + 11;
  for (const o of edns.options ?? []) {
    buf.writeUInt16BE(o.code, at);
    buf.writeUInt16BE(o.data.length, at + 2);
    o.data.copy(buf, at + 4);
    at += 4 + o.data.length;
  }
  buf.writeUInt16BE(at - offset - 11, offset + 9);
  return at;
}

function badRecord(a: Answer, why: string): EncodeError {
  return { code: 'BAD_RECORD', message: `${a.type} record for "${a.name}": ${why}` };
}

function writeRecord(names: NameWriter, a: Answer, offset: number): number | EncodeError {
  const buf = names.buf;
  if (a.type === 'OPT') return badRecord(a, 'OPT belongs in the edns field, not in a section');
  const start = names.write(a.name, offset, true);
  if (typeof start !== 'number') return start;
  const rdataAt = start + 10;
  let end: number | NameError | EncodeError;
  switch (a.type) {
    case 'A':
      end = isIPv4(a.data) ? writeIPv4(buf, a.data, rdataAt) : badRecord(a, `"${a.data}" is not an IPv4 address`);
      break;
    case 'AAAA':
      end = isIPv6(a.data) ? writeIPv6(buf, a.data, rdataAt) : badRecord(a, `"${a.data}" is not an IPv6 address`);
      break;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      end = names.write(a.data, rdataAt, true);
      break;
    case 'MX':
      buf.writeUInt16BE(a.data.preference ?? 0, rdataAt);
      end = names.write(a.data.exchange, rdataAt + 2, true);
      break;
    case 'SRV':
      buf.writeUInt16BE(a.data.priority ?? 0, rdataAt);
      buf.writeUInt16BE(a.data.weight ?? 0, rdataAt + 2);
      buf.writeUInt16BE(a.data.port, rdataAt + 4);
      // RFC 2782: the target is not compressed.
      end = names.write(a.data.target, rdataAt + 6, false);
      break;
    case 'SOA': {
      const m = names.write(a.data.mname, rdataAt, true);
      if (typeof m !== 'number') return m;
      const r = names.write(a.data.rname, m, true);
      if (typeof r !== 'number') return r;
      buf.writeUInt32BE((a.data.serial ?? 0) >>> 0, r);
      buf.writeUInt32BE((a.data.refresh ?? 0) >>> 0, r + 4);
      buf.writeUInt32BE((a.data.retry ?? 0) >>> 0, r + 8);
      buf.writeUInt32BE((a.data.expire ?? 0) >>> 0, r + 12);
      buf.writeUInt32BE((a.data.minimum ?? 0) >>> 0, r + 16);
      end = r + 20;
      break;
    }
    case 'TXT':
      end = writeTxt(buf, a, rdataAt);
      break;
    default:
      return writeOther(buf, a, offset);
  }
  if (typeof end !== 'number') return end;
  const rdlength = end - rdataAt;
  if (rdlength > 0xffff) return badRecord(a, 'data longer than 65535 bytes');
  buf.writeUInt16BE(typeNumber(a.type), start);
  buf.writeUInt16BE(classNumber(a.class ?? 'IN') || 1, start + 2);
  buf.writeUInt32BE((a.ttl ?? 0) >>> 0, start + 4);
  buf.writeUInt16BE(rdlength, start + 8);
  return end;
}

function writeIPv4(buf: Buffer, ip: string, at: number): number {
  const parts = ip.split('.');
  for (let i = 0; i < 4; i++) buf[at + i] = Number(parts[i]);
  return at + 4;
}

function writeIPv6(buf: Buffer, ip: string, at: number): number {
  let text = ip;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const groups: number[] = [];
  const expand = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const b = g.split('.').map(Number);
        out.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
      } else {
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const gap = text.indexOf('::');
  if (gap >= 0) {
    const head = expand(text.slice(0, gap));
    const tail = expand(text.slice(gap + 2));
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    groups.push(...expand(text));
  }
  for (let i = 0; i < 8; i++) buf.writeUInt16BE(groups[i] ?? 0, at + i * 2);
  return at + 16;
}

function writeTxt(buf: Buffer, a: Answer & { type: 'TXT' }, at: number): number | EncodeError {
  const parts = Array.isArray(a.data) ? a.data : [a.data];
  const start = at;
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    if (bytes.length > 255) return badRecord(a, 'a character-string is longer than 255 bytes');
    if (at + 1 + bytes.length - start > 0xffff) return badRecord(a, 'data longer than 65535 bytes');
    buf[at] = bytes.length;
    bytes.copy(buf, at + 1);
    at += bytes.length + 1;
  }
  return at;
}

// Anything else goes through dns-packet, uncompressed (always valid on the wire).
function writeOther(buf: Buffer, a: Answer, offset: number): number | EncodeError {
  try {
    const size = answerCodec.encodingLength(a);
    if (size > MAX_MESSAGE_SIZE) return badRecord(a, 'longer than a DNS message');
    answerCodec.encode(a, buf, offset);
    return offset + size;
  } catch (err) {
    return badRecord(a, err instanceof Error ? err.message : String(err));
  }
}
