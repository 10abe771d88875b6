// The zone revision as an EDNS(0) option (a local-use code, RFC 6891 9): a node cache's query carries the
// least revision of the zone it may be answered from, an answerer's reply the revision it answered from.
// Read and written on the wire, so the answerer's fast path stays a copy plus a few bytes.

import { skipName } from './question-key.ts';

/** EDNS option code of the zone revision (the local/experimental range 65001–65534). */
export const REVISION_OPTION = 65001;
/** EDE code 14, "Not Ready" (RFC 8914): the answerer's zone is behind the revision the query asked for. */
export const EDE_NOT_READY = 14;

const OPTION_SIZE = 4 + 8;

/** Where the OPT record of a message starts, when it is its last record; -1 otherwise (or malformed). */
function lastOptAt(wire: Buffer): number {
  if (wire.length < 12) return -1;
  const qd = wire.readUInt16BE(4);
  const rrs = wire.readUInt16BE(6) + wire.readUInt16BE(8) + wire.readUInt16BE(10);
  if (wire.readUInt16BE(10) === 0) return -1;
  let at = 12;
  for (let i = 0; i < qd; i++) {
    at = skipName(wire, at);
    if (at < 0 || at + 4 > wire.length) return -1;
    at += 4;
  }
  for (let i = 0; i < rrs; i++) {
    const start = at;
    at = skipName(wire, at);
    if (at < 0 || at + 10 > wire.length) return -1;
    const end = at + 10 + wire.readUInt16BE(at + 8);
    if (end > wire.length) return -1;
    if (i === rrs - 1) return wire.readUInt16BE(at) === 41 && end === wire.length ? start : -1;
    at = end;
  }
  return -1;
}

/**
 * The revision a message's OPT record carries, or null (no OPT, no such option, malformed). Cheap for
 * the common case: a message whose last 12 bytes are not this option is not parsed at all.
 */
export function readRevision(wire: Buffer): number | null {
  const len = wire.length;
  if (len < 12 + 11 + OPTION_SIZE || wire.readUInt16BE(10) === 0) return null;
  if (wire.readUInt16BE(len - OPTION_SIZE) !== REVISION_OPTION || wire.readUInt16BE(len - OPTION_SIZE + 2) !== 8) return null;
  const opt = lastOptAt(wire);
  if (opt < 0) return null;
  // Walk the options, so that bytes that only look like ours at the end of another option are not taken.
  let at = opt + 11;
  while (at + 4 <= len) {
    const code = wire.readUInt16BE(at);
    const size = wire.readUInt16BE(at + 2);
    if (at + 4 + size > len) return null;
    if (code === REVISION_OPTION && size === 8) return Number(wire.readBigUInt64BE(at + 4));
    at += 4 + size;
  }
  return null;
}

/** The option's bytes, for a message that is built with its options (a query, an EDNS options list). */
export function revisionOptionData(revision: number): Buffer {
  const data = Buffer.alloc(8);
  data.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(revision))));
  return data;
}

/**
 * A copy of the message with the revision option appended to its OPT record (which must be its last
 * record, as every message `encodeResponse` writes). The message as it is when it has no OPT record or
 * the option would make it larger than `maxSize`.
 */
export function withRevision(wire: Buffer, revision: number, maxSize = 65535): Buffer {
  const opt = lastOptAt(wire);
  if (opt < 0 || wire.length + OPTION_SIZE > maxSize) return wire;
  const out = Buffer.allocUnsafe(wire.length + OPTION_SIZE);
  wire.copy(out);
  const rdlen = opt + 9;
  out.writeUInt16BE(out.readUInt16BE(rdlen) + OPTION_SIZE, rdlen);
  out.writeUInt16BE(REVISION_OPTION, wire.length);
  out.writeUInt16BE(8, wire.length + 2);
  revisionOptionData(revision).copy(out, wire.length + 4);
  return out;
}

/** The OPT record's extended error code (RFC 8914), or null. */
export function readExtendedError(wire: Buffer): number | null {
  const opt = lastOptAt(wire);
  if (opt < 0) return null;
  let at = opt + 11;
  while (at + 4 <= wire.length) {
    const code = wire.readUInt16BE(at);
    const size = wire.readUInt16BE(at + 2);
    if (at + 4 + size > wire.length) return null;
    if (code === 15 && size >= 2) return wire.readUInt16BE(at + 4);
    at += 4 + size;
  }
  return null;
}
