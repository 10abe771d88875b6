// Cache hits straight from pre-encoded replies. The first hit of an entry (per EDNS class of client)
// goes the whole way (decode, chain, encode) and leaves its reply, encoded, attached to the cache entry;
// later hits copy it out with the client's id, flags and question case, the TTL left written into every
// record, and the answers shuffled. The entry's expiry, TTL caps, invalidation and eviction rule the
// copies too, since they hang off the entry; expired entries, stale answers and due prefetches take
// the whole way, where the cache handler deals with them.
import {
  classNumber,
  DEFAULT_UDP_SIZE,
  encodeResponse,
  MAX_MESSAGE_SIZE,
  replyClass,
  answerFromEncoded,
  shuffleAnswersOnWire,
  typeNumber,
  wireQuestionKey,
  wireRecords,
} from '@halo/dns';
import type { UniformAnswers, WireQuestion } from '@halo/dns';
import { rrsetRuns } from '@halo/cache';
import type { CachedAnswer } from '@halo/cache';
import type { Answer } from 'dns-packet';
import type { WireSlab } from '../../fast-path.ts';
import type { DnsRequest } from '../../types.ts';

/** One encoding of a cached reply and where its record TTLs lie. */
interface WireVariant {
  wire: Buffer;
  ttlAt: number[];
}

/** What a cache entry keeps per EDNS class of client: its reply, ready to copy. */
export interface WireTemplate {
  /** One encoding; or, when an RRset cannot be shuffled in place, several in different orders. */
  variants: WireVariant[];
  /** RRsets of the answer section shuffled in place on each copy (A/AAAA behind a pointer). */
  runs: UniformAnswers[];
  /** Metric labels of the reply. */
  rcode: string;
  type: string;
}

/** Orders pre-encoded for answers whose RRsets cannot be shuffled in place (e.g. SRV with targets): rotations of each RRset. */
const VARIANTS = 8;
const MOVABLE = new Set(['A', 'AAAA', 'MX']);

/** The alias of a wire question, as `wireReply` looks it up. */
export function wireAliasOf(q: WireQuestion, transport: 'udp' | 'tcp'): string {
  return `${q.key}\0${replyClass(transport, q.edns)}`;
}

/** The same alias from a decoded request; null when its name has no exact wire key. */
export function requestAlias(req: DnsRequest): string | null {
  const qtype = typeNumber(req.qtype);
  const qclass = classNumber(req.qclass);
  if (qtype === 0 || qclass === 0) return null;
  const key = wireQuestionKey(req.qnameLower, qtype, qclass);
  if (key === null) return null;
  return `${key}\0${replyClass(req.transport, req.edns ? { udpSize: req.udpSize, dnssecOk: req.dnssecOk } : null)}`;
}

/**
 * The reply to `req` from a cache hit, encoded as the server would, with its layout; null when it
 * cannot be copied out faithfully (truncated, unencodable, or answers `loadbalance` would reorder
 * across RRsets).
 */
export function buildTemplate(req: DnsRequest, hit: CachedAnswer, typeLabel: string, random: () => number, slab: WireSlab): WireTemplate | null {
  const qtype = typeNumber(req.qtype);
  const qclass = classNumber(req.qclass);
  const runs = rrsetRuns(hit.answers);
  // `loadbalance` (ahead of the cache) shuffles A/AAAA/MX across the whole answer: only copy out
  // replies where that is the same as shuffling their one RRset.
  let movable = 0;
  for (const a of hit.answers) if (MOVABLE.has(a.type)) movable++;
  if (movable > 1 && !(runs.length === 1 && runs[0][1] - runs[0][0] === movable && MOVABLE.has(hit.answers[runs[0][0]].type))) return null;
  const maxSize = req.transport === 'tcp' ? MAX_MESSAGE_SIZE : req.edns ? Math.min(req.udpSize, DEFAULT_UDP_SIZE) : 512;
  const encode = (answers: readonly Answer[]): { wire: Buffer; records: NonNullable<ReturnType<typeof wireRecords>> } | null => {
    const out = encodeResponse(
      {
        id: 0,
        rcode: hit.rcode,
        aa: hit.authoritative,
        ra: hit.recursionAvailable,
        question: { name: req.qname, type: qtype, class: qclass },
        answers,
        authorities: hit.authorities,
        additionals: hit.additionals.filter((a) => a.type !== 'OPT'),
        edns: req.edns ? { dnssecOk: req.dnssecOk } : null,
      },
      maxSize,
    );
    if (!out.ok || out.truncated) return null;
    const records = wireRecords(out.wire);
    return records === null ? null : { wire: out.wire, records };
  };
  const variant = (wire: Buffer, records: NonNullable<ReturnType<typeof wireRecords>>): WireVariant => ({
    wire: slab.copy(wire),
    // OPT's "TTL" is the extended rcode and flags, not a TTL.
    ttlAt: records.filter((r) => r.type !== 41).map((r) => r.ttlAt),
  });
  const first = encode(hit.answers);
  if (first === null) return null;
  const answersOnWire = first.records.filter((r) => r.section === 0);
  if (answersOnWire.length !== hit.answers.length) return null;
  const inPlace: UniformAnswers[] = [];
  let needsVariants = false;
  for (const [start, end] of runs) {
    const recs = answersOnWire.slice(start, end);
    const size = recs[0].end - recs[0].start;
    // Records that are a pointer and an address hold no name anything could point into: swappable.
    if (recs.every((r) => r.ownerIsPointer && (r.type === 1 || r.type === 28) && r.end - r.start === size))
      inPlace.push({ start: recs[0].start, count: end - start, size });
    else needsVariants = true;
  }
  const template: WireTemplate = { variants: [variant(first.wire, first.records)], runs: inPlace, rcode: hit.rcode, type: typeLabel };
  if (!needsVariants) return template;
  template.runs = [];
  // Rotations, not random orders: as many copies as the longest RRset has records (at most VARIANTS),
  // each a distinct order (eight random ones were all the same order once in 128 for two records), and
  // a random pick of a copy per reply puts each record first as often as the others.
  let longest = 0;
  for (const [start, end] of runs) longest = Math.max(longest, end - start);
  for (let k = 1; k < Math.min(VARIANTS, longest); k++) {
    const answers = hit.answers.slice();
    for (const [start, end] of runs) rotateRun(answers, start, end, k);
    const next = encode(answers);
    if (next === null) return null;
    template.variants.push(variant(next.wire, next.records));
  }
  return template;
}

/** A copy of the template for this query: its id, flags and question case, `ttl` in every record (unless null), shuffled. */
export function replyFrom(template: WireTemplate, query: Buffer, q: WireQuestion, ttl: number | null, random: () => number): Buffer {
  const variants = template.variants;
  const v = variants.length === 1 ? variants[0] : variants[Math.floor(random() * variants.length)];
  const out = answerFromEncoded(v.wire, query, q);
  if (ttl !== null) for (let i = 0; i < v.ttlAt.length; i++) out.writeUInt32BE(ttl, v.ttlAt[i]);
  for (let i = 0; i < template.runs.length; i++) shuffleAnswersOnWire(out, template.runs[i], random);
  return out;
}

/** Rotates answers[start, end) left by k places, in place. */
function rotateRun(answers: Answer[], start: number, end: number, k: number): void {
  const run = answers.slice(start, end);
  for (let i = 0; i < run.length; i++) answers[start + i] = run[(i + k) % run.length];
}
