// Domain names: text form to labels, and writing them with compression (RFC 1035 4.1.4).

export interface NameError {
  code: 'BAD_NAME';
  message: string;
}

/** Labels of a name in text form; '' and '.' are the root. Supports `\.` and `\DDD` escapes. */
export function nameLabels(name: string): Buffer[] | NameError {
  let text = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  if (text === '' || text === '.') return [];
  if (text.startsWith('.')) text = text.slice(1);
  const labels: Buffer[] = [];
  let total = 1;
  if (!text.includes('\\')) {
    for (const part of text.split('.')) {
      const label = Buffer.from(part, 'utf8');
      const err = checkLabel(label, name);
      if (err) return err;
      total += label.length + 1;
      labels.push(label);
    }
  } else {
    let bytes: number[] = [];
    const flush = (): NameError | null => {
      const label = Buffer.from(bytes);
      bytes = [];
      const err = checkLabel(label, name);
      if (err) return err;
      total += label.length + 1;
      labels.push(label);
      return null;
    };
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === '\\') {
        const digits = text.slice(i + 1, i + 4);
        if (/^[0-9]{3}$/.test(digits) && Number(digits) < 256) {
          bytes.push(Number(digits));
          i += 3;
        } else if (i + 1 < text.length) {
          bytes.push(...Buffer.from(text[i + 1], 'utf8'));
          i += 1;
        } else {
          return { code: 'BAD_NAME', message: `name "${name}" ends in a lone backslash` };
        }
      } else if (ch === '.') {
        const err = flush();
        if (err) return err;
      } else {
        bytes.push(...Buffer.from(ch, 'utf8'));
      }
    }
    const err = flush();
    if (err) return err;
  }
  if (total > 255) return { code: 'BAD_NAME', message: `name "${name}" is longer than 255 bytes on the wire` };
  return labels;
}

function checkLabel(label: Buffer, name: string): NameError | null {
  if (label.length === 0) return { code: 'BAD_NAME', message: `name "${name}" has an empty label` };
  if (label.length > 63) return { code: 'BAD_NAME', message: `name "${name}" has a label longer than 63 bytes` };
  return null;
}

const PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;

function lowerAscii(label: Buffer): string {
  // Compression compares names case-insensitively, ASCII only (RFC 4343).
  return label.toString('latin1').toLowerCase();
}

/**
 * Writes names into one message, pointing at earlier copies of the same suffix.
 * One writer per message; `reset` drops pointers at or past an offset after a rollback.
 */
export class NameWriter {
  readonly buf: Buffer;
  private readonly offsets = new Map<string, number>();

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  /** Writes `name` at `offset`; returns the new offset or an error. */
  write(name: string, offset: number, compress: boolean): number | NameError {
    if (PLAIN.test(name)) return this.writeAscii(name, offset, compress);
    const labels = nameLabels(name);
    if (!Array.isArray(labels)) return labels;
    return this.writeLabels(labels, offset, compress);
  }

  // The hot case (ASCII, no escapes): no label buffers, the suffix keys are slices of one string.
  private writeAscii(name: string, offset: number, compress: boolean): number | NameError {
    let text = name.endsWith('.') ? name.slice(0, -1) : name;
    if (text.startsWith('.')) text = text.slice(1);
    const buf = this.buf;
    if (text === '') {
      buf[offset] = 0;
      return offset + 1;
    }
    if (text.length + 2 > 255) return { code: 'BAD_NAME', message: `name "${name}" is longer than 255 bytes on the wire` };
    const lower = text.toLowerCase();
    let start = 0;
    for (;;) {
      const suffix = start === 0 ? lower : lower.slice(start);
      const seen = compress ? this.offsets.get(suffix) : undefined;
      if (seen !== undefined) {
        buf.writeUInt16BE(0xc000 | seen, offset);
        return offset + 2;
      }
      const dot = text.indexOf('.', start);
      const end = dot < 0 ? text.length : dot;
      const len = end - start;
      if (len === 0) return { code: 'BAD_NAME', message: `name "${name}" has an empty label` };
      if (len > 63) return { code: 'BAD_NAME', message: `name "${name}" has a label longer than 63 bytes` };
      if (offset < 0x4000 && !this.offsets.has(suffix)) this.offsets.set(suffix, offset);
      buf[offset] = len;
      for (let k = 0; k < len; k++) buf[offset + 1 + k] = text.charCodeAt(start + k);
      offset += len + 1;
      if (dot < 0) break;
      start = dot + 1;
    }
    buf[offset] = 0;
    return offset + 1;
  }

  writeLabels(labels: Buffer[], offset: number, compress: boolean): number {
    const keys: string[] = new Array<string>(labels.length);
    let suffix = '';
    for (let i = labels.length - 1; i >= 0; i--) {
      suffix = suffix === '' ? lowerAscii(labels[i]) : `${lowerAscii(labels[i])}.${suffix}`;
      keys[i] = suffix;
    }
    const buf = this.buf;
    for (let i = 0; i < labels.length; i++) {
      const key = keys[i];
      const seen = compress ? this.offsets.get(key) : undefined;
      if (seen !== undefined) {
        buf.writeUInt16BE(0xc000 | seen, offset);
        return offset + 2;
      }
      // Pointers have 14 bits: names past 16 KiB are written but never pointed at.
      if (offset < 0x4000 && !this.offsets.has(key)) this.offsets.set(key, offset);
      const label = labels[i];
      buf[offset] = label.length;
      label.copy(buf, offset + 1);
      offset += label.length + 1;
    }
    buf[offset] = 0;
    return offset + 1;
  }

  reset(from: number): void {
    for (const [key, at] of this.offsets) if (at >= from) this.offsets.delete(key);
  }
}
