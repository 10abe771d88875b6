// Compares two DNS responses as a user of them would: rcode, the flags that mean something (AA, TC, RA),
// the question as echoed, and each section as a set of records (order is free: loadbalance shuffles).
import type { Answer, DecodedPacket } from 'dns-packet';

export type Response = DecodedPacket & { rcode?: string };

export interface CompareOptions {
  /**
   * TTLs may differ by this many seconds (default 5): a `cache` plugin counts TTLs down between two
   * questions for one name. Use a large value where the two sides are configured with different TTLs.
   */
  ttlSlack?: number;
  /** SOA serials differ by design (CoreDNS: a timestamp; ours: a counter); compare them only if asked. */
  compareSerial?: boolean;
}

export interface Difference {
  /** rcode, flag AA/TC/RA, question, edns, or a section with `only` one side or a ttl. */
  what: string;
  ours: string;
  theirs: string;
}

const sections = ['answers', 'authorities', 'additionals'] as const;
type Section = (typeof sections)[number];

const dnsName = (name: string) => name.toLowerCase().replace(/\.$/, '') || '.';

function text(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (Array.isArray(value)) return value.map(text).join(' ');
  return String(value);
}

/** A record as a canonical string without its TTL, so two sides' records can be matched. */
export function recordKey(record: Answer, options: CompareOptions = {}): string {
  const head = `${dnsName(record.name)} ${record.type}`;
  const data = (record as { data?: unknown }).data;
  switch (record.type) {
    case 'A':
    case 'AAAA':
      return `${head} ${String(data).toLowerCase()}`;
    case 'CNAME':
    case 'PTR':
    case 'NS':
    case 'DNAME':
      return `${head} ${dnsName(String(data))}`;
    case 'SRV': {
      const d = data as { priority: number; weight: number; port: number; target: string };
      return `${head} ${d.priority} ${d.weight} ${d.port} ${dnsName(d.target)}`;
    }
    case 'MX': {
      const d = data as { preference: number; exchange: string };
      return `${head} ${d.preference} ${dnsName(d.exchange)}`;
    }
    case 'SOA': {
      const d = data as { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };
      const serial = options.compareSerial ? ` ${d.serial}` : '';
      return `${head} ${dnsName(d.mname)} ${dnsName(d.rname)}${serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    }
    case 'TXT':
      return `${head} "${text(data)}"`;
    case 'OPT':
      return `. OPT`;
    default:
      return `${head} ${JSON.stringify(data, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v))}`;
  }
}

function ttlOf(record: Answer): number | undefined {
  return (record as { ttl?: number }).ttl;
}

function rcodeOf(response: Response): string {
  if (response.rcode) return response.rcode;
  const names = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
  return names[(response.flags ?? 0) & 15] ?? `RCODE${(response.flags ?? 0) & 15}`;
}

function edns(response: Response): string {
  const opt = (response.additionals ?? []).find((r) => r.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return opt ? `EDNS ${opt.udpPayloadSize ?? '?'}` : 'no EDNS';
}

function compareSection(section: Section, ours: Answer[], theirs: Answer[], options: CompareOptions): Difference[] {
  const slack = options.ttlSlack ?? 5;
  const differences: Difference[] = [];
  const group = (records: Answer[]) => {
    const map = new Map<string, Answer[]>();
    for (const r of records) {
      if (r.type === 'OPT') continue;
      const key = recordKey(r, options);
      map.set(key, [...(map.get(key) ?? []), r]);
    }
    return map;
  };
  const a = group(ours);
  const b = group(theirs);
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key) ?? [];
    const y = b.get(key) ?? [];
    if (x.length !== y.length) {
      differences.push({ what: `${section}: ${key}`, ours: x.length === 0 ? 'absent' : `${x.length}×`, theirs: y.length === 0 ? 'absent' : `${y.length}×` });
      continue;
    }
    const byNumber = (p: number | undefined, q: number | undefined) => (p ?? 0) - (q ?? 0);
    const tx = x.map(ttlOf).sort(byNumber);
    const ty = y.map(ttlOf).sort(byNumber);
    if (tx.some((t, i) => Math.abs((t ?? 0) - (ty[i] ?? 0)) > slack)) {
      differences.push({ what: `${section} TTL: ${key}`, ours: tx.join(','), theirs: ty.join(',') });
    }
  }
  return differences;
}

/** Every difference between our response and theirs to the same question; empty when they agree. */
export function compareResponses(ours: Response, theirs: Response, options: CompareOptions = {}): Difference[] {
  const differences: Difference[] = [];
  const field = (what: string, x: string, y: string) => {
    if (x !== y) differences.push({ what, ours: x, theirs: y });
  };
  field('rcode', rcodeOf(ours), rcodeOf(theirs));
  field('flag AA', String(ours.flag_aa), String(theirs.flag_aa));
  field('flag TC', String(ours.flag_tc), String(theirs.flag_tc));
  field('flag RA', String(ours.flag_ra), String(theirs.flag_ra));
  const question = (r: Response) => (r.questions ?? []).map((q) => `${q.name} ${q.type}`).join(', ');
  field('question', question(ours), question(theirs));
  field('edns', edns(ours), edns(theirs));
  for (const section of sections) differences.push(...compareSection(section, ours[section] ?? [], theirs[section] ?? [], options));
  return differences;
}

/** One response in a few lines, for people: rcode, flags, and each section's records. */
export function describeResponse(response: Response): string {
  const flags = ['aa', 'tc', 'rd', 'ra'].filter((f) => (response as unknown as Record<string, boolean>)[`flag_${f}`]).join(' ');
  const lines = [`${rcodeOf(response)} [${flags}]`];
  const label: Record<Section, string> = { answers: 'answer', authorities: 'authority', additionals: 'additional' };
  for (const section of sections) {
    for (const r of response[section] ?? [])
      if (r.type !== 'OPT') lines.push(`  ${label[section]}: ${recordKey(r, { compareSerial: true })} ttl=${ttlOf(r) ?? '-'}`);
  }
  return lines.join('\n');
}
