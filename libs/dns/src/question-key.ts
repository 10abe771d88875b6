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
  let key = '';
  for (;;) {
    if (at >= len) return null;
    const l = wire[at];
    if (l === 0) break;
    if (l > 63 || at + 1 + l > len) return null;
    key += wire.toString('latin1', at, at + 1 + l).toLowerCase();
    at += 1 + l;
  }
  const nameEnd = at + 1;
  if (nameEnd > 12 + 255 || nameEnd + 4 > len) return null;
  const qtype = wire.readUInt16BE(nameEnd);
  const qclass = wire.readUInt16BE(nameEnd + 2);
  key += '\0' + wire.toString('latin1', nameEnd, nameEnd + 4);
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
