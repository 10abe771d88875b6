// The fast path: read just enough of a query to key a pre-encoded answer, and copy one out.

export interface WireQuestion {
  id: number;
  /** Offset just past the question name (it starts at 12). */
  nameEnd: number;
  /** Case-folded question (name, type, class) as a latin1 string: the key of a pre-encoded answer. */
  key: string;
  qtype: number;
  qclass: number;
  edns: { udpSize: number; dnssecOk: boolean } | null;
}

/**
 * Reads a plain query (one question, no answers or authorities, at most one OPT of version 0,
 * nothing after it) without decoding it. Returns null for anything else: the slow path handles it.
 */
export function readWireQuestion(wire: Buffer): WireQuestion | null {
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
  // The name case-folded in one go (length bytes, ≤ 63, are no letters), then type and class as they are.
  const key = wire.toString('latin1', 12, nameEnd).toLowerCase() + wire.toString('latin1', nameEnd, nameEnd + 4);
  at = nameEnd + 4;
  let edns: WireQuestion['edns'] = null;
  if (arcount === 1) {
    if (at + 11 > len || wire[at] !== 0 || wire.readUInt16BE(at + 1) !== 41) return null;
    if (wire[at + 6] !== 0) return null; // EDNS version other than 0
    const rdlen = wire.readUInt16BE(at + 9);
    if (at + 11 + rdlen !== len) return null;
    edns = { udpSize: Math.max(512, wire.readUInt16BE(at + 3)), dnssecOk: (wire[at + 7] & 0x80) !== 0 };
    at = len;
  }
  if (at !== len) return null;
  return { id: wire.readUInt16BE(0), nameEnd, key, qtype, qclass, edns };
}

/**
 * Copies a pre-encoded answer out for this query: the client's id, RD and CD bits, and the
 * question name in the client's case (same length, as the key is case-folded).
 */
export function answerFromEncoded(encoded: Buffer, query: Buffer, q: WireQuestion): Buffer {
  const out = Buffer.allocUnsafe(encoded.length);
  encoded.copy(out);
  out.writeUInt16BE(q.id, 0);
  out[2] = (out[2] & ~0x01) | (query[2] & 0x01);
  out[3] = (out[3] & ~0x10) | (query[3] & 0x10);
  query.copy(out, 12, 12, q.nameEnd);
  return out;
}

/** Where the answer section of an encoded response lies, when its records may be shuffled on the wire. */
export interface UniformAnswers {
  /** Offset of the first answer record. */
  start: number;
  count: number;
  /** Every record's length in bytes (the same for all). */
  size: number;
}

function skipName(wire: Buffer, at: number): number {
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
export function shuffleAnswersOnWire(wire: Buffer, layout: UniformAnswers, random: () => number = Math.random): void {
  const { start, size } = layout;
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
