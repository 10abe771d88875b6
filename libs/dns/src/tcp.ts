// DNS over TCP: each message is preceded by its length in two bytes (RFC 1035 4.2.2, RFC 7766).

export function frameTcp(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(message.length + 2);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}

/** Splits a TCP byte stream into whole messages, however the chunks fall (pipelined queries). */
export class TcpMessageReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds a chunk; returns the messages completed by it, in order. */
  push(chunk: Buffer): Buffer[] {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    while (buf.length >= 2) {
      const size = buf.readUInt16BE(0);
      if (buf.length < 2 + size) break;
      out.push(buf.subarray(2, 2 + size));
      buf = buf.subarray(2 + size);
    }
    // Keep a copy so the caller's chunk can be reused.
    this.pending = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
    return out;
  }

  /** Bytes waiting for the rest of their message. */
  get buffered(): number {
    return this.pending.length;
  }
}
