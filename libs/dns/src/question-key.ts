// The fast path: read just enough of a query to key a pre-encoded answer, and copy one out.
import { DEFAULT_UDP_SIZE } from './encode.ts';

/** A plain query read without decoding it or making strings: what the fast path looks answers up by. */
export interface WireScan {
  id: number;
  /** Offset just past the question name (it starts at 12). */
  nameEnd: number;
  qtype: number;
  qclass: number;
  edns: WireEdns | null;
  /** FNV-1a of the case-folded question (name, type, class: bytes 12 to nameEnd + 4). */
  hash: number;
}

export interface WireEdns {
  udpSize: number;
  dnssecOk: boolean;
}

/**
 * What `scanWireQuestion` fills when given one, instead of making a scan per query: for a caller that
 * keeps no scan past its own call (the servers' hot path).
 */
export class WireScanScratch {
  readonly scan: WireScan = { id: 0, nameEnd: 0, qtype: 0, qclass: 0, edns: null, hash: 0 };
  readonly edns: WireEdns = { udpSize: 0, dnssecOk: false };
}

export interface WireQuestion extends WireScan {
  /** Case-folded question (name, type, class) as a latin1 string: the key of a pre-encoded answer. */
  key: string;
}

/**
 * Reads a plain query (one question, no answers or authorities, at most one OPT of version 0,
 * nothing after it) without decoding it. Returns null for anything else: the slow path handles it.
 */
export function scanWireQuestion(wire: Buffer, scratch?: WireScanScratch): WireScan | null {
  const len = wire.length;
  if (len < 17) return null;
  const flags = wire.readUInt16BE(2);
  if ((flags & 0xf800) !== 0) return null; // a response, or an opcode other than QUERY
  if (wire.readUInt16BE(4) !== 1 || wire.readUInt16BE(6) !== 0 || wire.readUInt16BE(8) !== 0) return null;
  const arcount = wire.readUInt16BE(10);
  if (arcount > 1) return null;
  let at = 12;
  for (;;) {
    if (at >= len) return null;
    const l = wire[at];
    if (l === 0) break;
    if (l > 63 || at + 1 + l > len) return null;
    at += 1 + l;
  }
  const nameEnd = at + 1;
  if (nameEnd > 12 + 255 || nameEnd + 4 > len) return null;
  const qtype = wire.readUInt16BE(nameEnd);
  const qclass = wire.readUInt16BE(nameEnd + 2);
  const hash = foldedHash(wire, 12, nameEnd + 4);
  at = nameEnd + 4;
  let edns: WireEdns | null = null;
  if (arcount === 1) {
    if (at + 11 > len || wire[at] !== 0 || wire.readUInt16BE(at + 1) !== 41) return null;
    if (wire[at + 6] !== 0) return null; // EDNS version other than 0
    const rdlen = wire.readUInt16BE(at + 9);
    if (at + 11 + rdlen !== len) return null;
    edns = scratch === undefined ? { udpSize: 0, dnssecOk: false } : scratch.edns;
    edns.udpSize = Math.max(512, wire.readUInt16BE(at + 3));
    edns.dnssecOk = (wire[at + 7] & 0x80) !== 0;
    at = len;
  }
  if (at !== len) return null;
  if (scratch === undefined) return { id: wire.readUInt16BE(0), nameEnd, qtype, qclass, edns, hash };
  const scan = scratch.scan;
  scan.id = wire.readUInt16BE(0);
  scan.nameEnd = nameEnd;
  scan.qtype = qtype;
  scan.qclass = qclass;
  scan.edns = edns;
  scan.hash = hash;
  return scan;
}

/** scanWireQuestion (or its result, given), with the question as a string key too. */
export function readWireQuestion(wire: Buffer, scan: WireScan | null = scanWireQuestion(wire)): WireQuestion | null {
  if (scan === null) return null;
  const { nameEnd } = scan;
  // The name case-folded in one go (length bytes, ≤ 63, are no letters), then type and class as they are.
  const key = wire.toString('latin1', 12, nameEnd).toLowerCase() + wire.toString('latin1', nameEnd, nameEnd + 4);
  return { ...scan, key };
}

/** A byte with ASCII letters folded to lower case (DNS names compare so, RFC 4343; length octets are ≤ 63: no letters). */
const fold = (c: number): number => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

/** FNV-1a over bytes start..end, case-folded. */
export function foldedHash(wire: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ fold(wire[i]), 0x01000193);
  return h >>> 0;
}

/**
 * The question of a scanned query (name, type, class) case-folded, written into the bytes `take` gives
 * for its length (by default a Uint8Array of its own; a keeper of many passes slices of a slab).
 */
export function foldedQuestion(wire: Uint8Array, scan: WireScan, take: (length: number) => Uint8Array = (length) => new Uint8Array(length)): Uint8Array {
  const out = take(scan.nameEnd - 8);
  for (let i = 0; i < out.length; i++) out[i] = fold(wire[12 + i]);
  return out;
}

/** True when the question of `wire` (from byte 12) is `folded` (foldedQuestion) once case-folded. */
export function sameFoldedQuestion(wire: Uint8Array, folded: Uint8Array): boolean {
  if (wire.length < 12 + folded.length) return false;
  for (let i = 0; i < folded.length; i++) if (fold(wire[12 + i]) !== folded[i]) return false;
  return true;
}

/**
 * What, besides the question, decides the bytes of a reply, as one number: the transport, EDNS or not
 * and its DO bit, and over UDP the EDNS size the reply is fitted to (capped at DEFAULT_UDP_SIZE, as
 * the servers cap it). Pre-encoded answers are kept per question and reply class.
 */
export function replyClass(transport: 'udp' | 'tcp', edns: { udpSize: number; dnssecOk: boolean } | null): number {
  const opt = edns === null ? 0 : edns.dnssecOk ? 2 : 1;
  if (transport === 'tcp') return 4 | opt;
  return edns === null ? 0 : (Math.min(edns.udpSize, DEFAULT_UDP_SIZE) << 3) | opt;
}

/**
 * Copies a pre-encoded answer out for this query: the client's id, RD and CD bits, and the
 * question name in the client's case (same length, as the key is case-folded).
 */
export function answerFromEncoded(encoded: Buffer, query: Buffer, q: WireScan): Buffer {
  const out = Buffer.allocUnsafe(encoded.length);
  writeAnswerFromEncoded(encoded, query, q, out, 0);
  return out;
}

/** answerFromEncoded into `out` from byte `at` (it must have room for `encoded.length` bytes). */
export function writeAnswerFromEncoded(encoded: Buffer, query: Buffer, q: WireScan, out: Buffer, at: number): void {
  encoded.copy(out, at);
  out[at] = q.id >>> 8;
  out[at + 1] = q.id & 0xff;
  out[at + 2] = (out[at + 2] & ~0x01) | (query[2] & 0x01);
  out[at + 3] = (out[at + 3] & ~0x10) | (query[3] & 0x10);
  query.copy(out, at + 12, 12, q.nameEnd);
}

/** Where the answer section of an encoded response lies, when its records may be shuffled on the wire. */
export interface UniformAnswers {
  /** Offset of the first answer record. */
  start: number;
  count: number;
  /** Every record's length in bytes (the same for all). */
  size: number;
}

/** Offset just past the name at `at` (a pointer ends it), or -1 where it runs off the message. */
export function skipName(wire: Buffer, at: number): number {
  for (;;) {
    if (at >= wire.length) return -1;
    const l = wire[at];
    if (l === 0) return at + 1;
    if ((l & 0xc0) === 0xc0) return at + 2;
    if (l > 63) return -1;
    at += 1 + l;
  }
}

/**
 * The answer section of an encoded response when it holds at least two records of one type, all
 * of the same length (an A or AAAA RRset whose owner is a compression pointer): those can be
 * reordered in place, as the `loadbalance` plugin does, without decoding. Null otherwise.
 */
export function uniformAnswers(wire: Buffer): UniformAnswers | null {
  if (wire.length < 12 || wire.readUInt16BE(4) !== 1) return null;
  const count = wire.readUInt16BE(6);
  if (count < 2) return null;
  let at = skipName(wire, 12);
  if (at < 0) return null;
  const start = at + 4;
  at = start;
  let size = -1;
  let type = -1;
  for (let i = 0; i < count; i++) {
    const end = skipName(wire, at);
    // Only owners that are pointers (to the question) and rdata without names: nothing points into a moved record.
    if (end !== at + 2 || end + 10 > wire.length) return null;
    const t = wire.readUInt16BE(end);
    if (t !== 1 && t !== 28) return null;
    const next = end + 10 + wire.readUInt16BE(end + 8);
    if (next > wire.length) return null;
    if (i === 0) {
      type = t;
      size = next - at;
    } else if (t !== type || next - at !== size) return null;
    at = next;
  }
  return { start, count, size };
}

/** Shuffles the answer records laid out as `layout` says, in place (Fisher–Yates). */
export function shuffleAnswersOnWire(wire: Buffer, layout: UniformAnswers, random: () => number = Math.random, at = 0): void {
  const { size } = layout;
  const start = at + layout.start;
  for (let i = layout.count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    if (j === i) continue;
    const a = start + i * size;
    const b = start + j * size;
    for (let k = 0; k < size; k++) {
      const x = wire[a + k];
      wire[a + k] = wire[b + k];
      wire[b + k] = x;
    }
  }
}

/**
 * The key `readWireQuestion` gives a question, built from a case-folded name (no trailing dot, '.'
 * for the root) and numeric type and class. Null for names this cannot spell exactly (anything but
 * plain ASCII labels), which then never match a wire key.
 */
export function wireQuestionKey(nameLower: string, qtype: number, qclass: number): string | null {
  if (!/^[\x21-\x2d\x2f-\x5b\x5d-\x7e]+(\.[\x21-\x2d\x2f-\x5b\x5d-\x7e]+)*$/.test(nameLower) && nameLower !== '.') return null;
  if (nameLower !== nameLower.toLowerCase() || qtype < 0 || qtype > 0xffff || qclass < 0 || qclass > 0xffff) return null;
  let key = '';
  if (nameLower !== '.') {
    for (const label of nameLower.split('.')) {
      if (label.length > 63) return null;
      key += String.fromCharCode(label.length) + label;
    }
  }
  if (key.length + 1 > 255) return null;
  return key + '\0' + String.fromCharCode(qtype >> 8, qtype & 0xff, qclass >> 8, qclass & 0xff);
}

/** The case-folded question name of a wire question, without the trailing dot ('.' for the root). */
export function wireQuestionName(q: WireQuestion): string {
  const key = q.key;
  const end = key.length - 5;
  if (end <= 0) return '.';
  let name = '';
  let at = 0;
  while (at < end) {
    const len = key.charCodeAt(at);
    name += (at === 0 ? '' : '.') + key.slice(at + 1, at + 1 + len);
    at += 1 + len;
  }
  return name;
}

/** One resource record of an encoded message. */
export interface WireRecord {
  /** 0 answer, 1 authority, 2 additional. */
  section: 0 | 1 | 2;
  start: number;
  end: number;
  type: number;
  /** Offset of its 32-bit TTL. */
  ttlAt: number;
  /** True when its owner name is a single compression pointer. */
  ownerIsPointer: boolean;
}

/** The records of an encoded message (one question at most), or null when it does not parse. */
export function wireRecords(wire: Buffer): WireRecord[] | null {
  if (wire.length < 12) return null;
  const qdcount = wire.readUInt16BE(4);
  if (qdcount > 1) return null;
  let at = 12;
  if (qdcount === 1) {
    at = skipName(wire, at);
    if (at < 0 || at + 4 > wire.length) return null;
    at += 4;
  }
  const out: WireRecord[] = [];
  const counts = [wire.readUInt16BE(6), wire.readUInt16BE(8), wire.readUInt16BE(10)];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s]; i++) {
      const start = at;
      const nameEnd = skipName(wire, at);
      if (nameEnd < 0 || nameEnd + 10 > wire.length) return null;
      const end = nameEnd + 10 + wire.readUInt16BE(nameEnd + 8);
      if (end > wire.length) return null;
      out.push({
        section: s as 0 | 1 | 2,
        start,
        end,
        type: wire.readUInt16BE(nameEnd),
        ttlAt: nameEnd + 4,
        ownerIsPointer: nameEnd === start + 2 && (wire[start] & 0xc0) === 0xc0,
      });
      at = end;
    }
  }
  return at === wire.length ? out : null;
}
