// A typed view of the parts of dns-packet that its type definitions leave out.
import dnsPacket from 'dns-packet';
import type { Answer, Question } from 'dns-packet';

interface RecordCodec {
  encode(a: Answer, buf: Buffer, offset: number): Buffer;
  encodingLength(a: Answer): number;
}
interface QuestionCodec {
  encode(q: Question, buf: Buffer, offset: number): Question;
}

export const packetCodec = dnsPacket;
export const answerCodec = (dnsPacket as unknown as { answer: RecordCodec }).answer;
const questionCodec = (dnsPacket as unknown as { question: QuestionCodec }).question;

const typeNumbers = new Map<string, number>([
  ['A', 1],
  ['NS', 2],
  ['CNAME', 5],
  ['SOA', 6],
  ['PTR', 12],
  ['HINFO', 13],
  ['MX', 15],
  ['TXT', 16],
  ['AAAA', 28],
  ['SRV', 33],
  ['OPT', 41],
  ['ANY', 255],
]);
const classNumbers = new Map<string, number>([
  ['IN', 1],
  ['CH', 3],
  ['HS', 4],
  ['ANY', 255],
]);

// Types outside the short table: let dns-packet's own table decide, once per name.
function lookupNumber(table: Map<string, number>, text: string, offset: 1 | 3): number {
  const known = table.get(text);
  if (known !== undefined) return known;
  const buf = Buffer.alloc(5);
  try {
    const q = offset === 1 ? { name: '.', type: text, class: 'IN' } : { name: '.', type: 'A', class: text };
    questionCodec.encode(q as Question, buf, 0);
  } catch {
    return 0;
  }
  const n = buf.readUInt16BE(offset);
  table.set(text, n);
  return n;
}

/** RR type number for a mnemonic (`A`, `SRV`, `TYPE65`); 0 when unknown. */
export function typeNumber(type: string): number {
  return lookupNumber(typeNumbers, type.toUpperCase(), 1);
}

/** Class number for a mnemonic (`IN`, `CH`); 0 when unknown. */
export function classNumber(klass: string): number {
  return lookupNumber(classNumbers, klass.toUpperCase(), 3);
}
