// Pure helpers over dns-packet records: names, TTLs of a response, size estimates, per-reply shuffling.
import type { Answer } from 'dns-packet';

/** Lowercase, without the trailing dot; the root is '.'. */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  if (lower === '.' || lower === '') return '.';
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** True when `name` (normalized) is `zone` or below it. The root zone '.' holds every name. */
export function isUnderZone(name: string, zone: string): boolean {
  if (zone === '.') return true;
  return name === zone || name.endsWith('.' + zone);
}

export type ResponseKind = 'success' | 'denial';

/**
 * The class of a response for caching, as RFC 2308 and CoreDNS see it: answers → success;
 * NXDOMAIN, or NOERROR without answers (NODATA) → denial; any other rcode is never cached.
 */
export function classifyResponse(rcode: string, answers: readonly Answer[]): ResponseKind | null {
  if (rcode === 'NXDOMAIN') return 'denial';
  if (rcode !== 'NOERROR') return null;
  return answers.length > 0 ? 'success' : 'denial';
}

/** CoreDNS's fallback when a response carries no record to take a TTL from. */
export const DEFAULT_TTL_WITHOUT_RECORDS = 5;

/**
 * The TTL a response may live in a cache before any cap: for success the lowest TTL of its records;
 * for denial the SOA's min(TTL, MINIMUM) (RFC 2308 §5), or the lowest TTL when there is no SOA.
 */
export function rawResponseTtl(kind: ResponseKind, sections: readonly (readonly Answer[])[]): number {
  let lowest = Infinity;
  if (kind === 'denial') {
    for (const section of sections) {
      for (const rr of section) {
        if (rr.type === 'SOA') {
          const ttl = Math.min(rr.ttl ?? 0, rr.data.minimum ?? 0);
          if (ttl < lowest) lowest = ttl;
        }
      }
    }
    if (lowest !== Infinity) return lowest;
  }
  for (const section of sections) {
    for (const rr of section) {
      if (rr.type === 'OPT') continue;
      const ttl = rr.ttl ?? 0;
      if (ttl < lowest) lowest = ttl;
    }
  }
  return lowest === Infinity ? DEFAULT_TTL_WITHOUT_RECORDS : lowest;
}

/** The raw TTL clamped to [minTtl, maxTtl], as CoreDNS's cache does. */
export function cappedTtl(raw: number, limits: { minTtl: number; maxTtl: number }): number {
  return Math.max(limits.minTtl, Math.min(limits.maxTtl, Math.floor(raw)));
}

/**
 * Estimated wire size of a record without name compression: owner name, fixed header (type, class,
 * TTL, rdlength = 10 bytes) and the data. Close enough to bound memory; exactness is not the point.
 */
export function estimateRecordBytes(rr: Answer): number {
  return rr.name.length + 2 + 10 + estimateDataBytes(rr);
}

function estimateDataBytes(rr: Answer): number {
  switch (rr.type) {
    case 'A':
      return 4;
    case 'AAAA':
      return 16;
    case 'OPT':
      return 0;
    default:
      return valueBytes(rr.data);
  }
}

function valueBytes(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'string') return value.length + 2;
  if (typeof value === 'number' || typeof value === 'boolean') return 4;
  if (Buffer.isBuffer(value)) return value.length;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + valueBytes(item), 0);
  if (typeof value === 'object') {
    let sum = 0;
    for (const item of Object.values(value)) sum += valueBytes(item);
    return sum;
  }
  return 0;
}

/** The runs [start, end) of records with the same owner name and type, where a run holds more than one record. */
export function rrsetRuns(records: readonly Answer[]): [number, number][] {
  const runs: [number, number][] = [];
  let start = 0;
  while (start < records.length) {
    let end = start + 1;
    const type = records[start].type;
    const owner = records[start].name.toLowerCase();
    while (end < records.length && records[end].type === type && records[end].name.toLowerCase() === owner) end++;
    if (end - start > 1) runs.push([start, end]);
    start = end;
  }
  return runs;
}

/** Fisher-Yates over records[start, end), in place. */
export function shuffleRun(records: Answer[], start: number, end: number, random: () => number): void {
  for (let i = end - 1; i > start; i--) {
    const j = start + Math.floor(random() * (i - start + 1));
    const tmp = records[i];
    records[i] = records[j];
    records[j] = tmp;
  }
}

/**
 * Shuffles each run of records with the same owner name and type in place, leaving the order of runs
 * alone so a CNAME chain still comes before the records it points to.
 */
export function shuffleRRsets(records: Answer[], random: () => number): Answer[] {
  for (const [start, end] of rrsetRuns(records)) shuffleRun(records, start, end, random);
  return records;
}
