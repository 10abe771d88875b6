// The response cache: LRU bounded by entries (per kind) and by bytes (overall), TTLs capped like
// CoreDNS's `cache` plugin, prefetch of hot entries, serve-stale (RFC 8767), invalidation by name and
// by zone, and a TTL cap per zone. No I/O and no timers: time comes from `now`, refreshing is the
// caller's job (a hit says when to prefetch; `getStale` answers when the upstream failed).
import type { Answer } from 'dns-packet';
import { cacheMetrics, noCacheMetrics } from './metrics.ts';
import type { CacheMetrics, CacheMetricsOptions } from './metrics.ts';
import { cappedTtl, classifyResponse, estimateRecordBytes, isUnderZone, normalizeName, rawResponseTtl, rrsetRuns, shuffleRun } from './records.ts';
import type { ResponseKind } from './records.ts';

export interface TtlLimits {
  /** Most entries of this kind held; the least recently used goes first. */
  capacity: number;
  /** Seconds; record TTLs above are lowered to it. */
  maxTtl: number;
  /** Seconds; record TTLs below are raised to it (CoreDNS's MINTTL). */
  minTtl: number;
}

export interface PrefetchOptions {
  /** Queries that make an entry hot... */
  amount: number;
  /** ...with no gap of this many milliseconds between them (CoreDNS: default 1m). */
  durationMs: number;
  /** A hot entry is refreshed once this percentage of its TTL is left (CoreDNS: 10, range 10..90). */
  percentage: number;
}

export interface ServeStaleOptions {
  /** How long after expiry an entry may still be served when the upstream fails (CoreDNS: 1h). */
  durationMs: number;
  /** `immediate`: the caller may answer stale at once and refresh behind; `verified`: only after the upstream failed. */
  refreshMode: 'immediate' | 'verified';
  /** TTL of the records in a stale answer; RFC 8767 §4 recommends 30 s. */
  ttl?: number;
}

export interface ResponseCacheOptions {
  success?: Partial<TtlLimits>;
  denial?: Partial<TtlLimits>;
  /** Upper bound of the estimated wire size of every entry together. */
  maxBytes?: number;
  prefetch?: PrefetchOptions;
  serveStale?: ServeStaleOptions;
  /** CoreDNS's `keepttl`: answer with the TTLs as received, not decremented. */
  keepTtl?: boolean;
  /** Zones (normalized or not) whose responses of that kind are not cached (CoreDNS's `disable`). */
  disable?: Partial<Record<ResponseKind, string[]>>;
  metrics?: CacheMetricsOptions;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
  /** In [0, 1); injectable for tests. */
  random?: () => number;
}

export const DEFAULT_SUCCESS: TtlLimits = { capacity: 9984, maxTtl: 3600, minTtl: 5 };
export const DEFAULT_DENIAL: TtlLimits = { capacity: 9984, maxTtl: 1800, minTtl: 5 };
export const DEFAULT_STALE_TTL = 30;

/** The question a cache entry answers. `variant` separates answers that differ by more than the question (e.g. the DO bit). */
export interface CacheQuestion {
  name: string;
  type: string;
  class?: string;
  variant?: string;
}

export interface CacheableResponse {
  rcode: string;
  answers: readonly Answer[];
  authorities?: readonly Answer[];
  additionals?: readonly Answer[];
  authoritative?: boolean;
  recursionAvailable?: boolean;
  /** The question name the response carries; when it differs from the question the response is dropped. */
  questionName?: string;
}

export interface CachedAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  kind: ResponseKind;
  authoritative: boolean;
  recursionAvailable: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** Seconds left, as written into the records. */
  ttl: number;
  /** Served past its expiry (serve-stale). */
  stale: boolean;
  /** The caller should refresh this entry now (prefetch); told once per entry. */
  prefetch: boolean;
  /** Milliseconds until it expires (0 for a stale answer). */
  expiresInMs: number;
  /**
   * Milliseconds during which its hits may be answered from copies kept elsewhere without the cache
   * seeing them: until it expires, or until a prefetch may be due unless one is already on its way
   * (0 for a stale answer). Copies stop sooner once `entry.replaced`.
   */
  unseenForMs: number;
  entry: EntryState;
}

/** What copies of an entry's answer need to know of it: whether a newer answer replaced it (a prefetch's). */
export interface EntryState {
  readonly replaced: boolean;
}

export type SetResult =
  | { stored: true; kind: ResponseKind; ttl: number; expiresInMs: number; unseenForMs: number; entry: EntryState }
  | { stored: false; code: 'not-cacheable' | 'question-mismatch' | 'zero-ttl' | 'too-large' | 'disabled'; message: string };

export interface CacheStats {
  entries: Record<ResponseKind, number>;
  bytes: number;
  hits: number;
  misses: number;
  prefetches: number;
  servedStale: number;
  evictions: number;
  drops: number;
}

interface Entry {
  key: string;
  name: string;
  kind: ResponseKind;
  rcode: 'NOERROR' | 'NXDOMAIN';
  authoritative: boolean;
  recursionAvailable: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** Names under which `invalidate` finds this entry: the qname, every owner name of its answers and every CNAME target. */
  names: string[];
  storedAt: number;
  ttl: number;
  bytes: number;
  lastUsed: number;
  /** Runs of answers (start, end) with the same owner and type and more than one record: shuffled per reply. */
  runs: [number, number][];
  prev: Entry | null;
  next: Entry | null;
  hitCount: number;
  lastHitAt: number;
  prefetchTold: boolean;
  /** Set when `set` stores a newer answer to its question: copies made of this one stop. */
  replaced: boolean;
  /** Keys under which callers attached values to this entry (`attach`); dropped with it. */
  aliases: string[] | null;
}

/** A fresh hit found by `getAttached`. One object per cache, overwritten by the next call. */
export interface AttachedHit<W> {
  value: W;
  /** Seconds left, as `get` would write into the records. */
  ttl: number;
  kind: ResponseKind;
}

interface TtlCap {
  seconds: number;
  since: number;
}

/** The key of a question: case-folded name, type, class and variant. */
export function questionKey(q: CacheQuestion): string {
  return `${normalizeName(q.name)}\u0000${q.type.toUpperCase()}\u0000${(q.class ?? 'IN').toUpperCase()}\u0000${q.variant ?? ''}`;
}

const ENTRY_OVERHEAD_BYTES = 64;

export class ResponseCache<W = unknown> {
  readonly limits: Readonly<Record<ResponseKind, TtlLimits>>;
  readonly maxBytes: number;
  readonly prefetchOptions: PrefetchOptions | undefined;
  readonly serveStaleOptions: ServeStaleOptions | undefined;
  readonly #keepTtl: boolean;
  readonly #disable: Record<ResponseKind, string[]>;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #metrics: CacheMetrics;
  readonly #entries = new Map<string, Entry>();
  readonly #lru: Record<ResponseKind, LruList> = { success: new LruList(), denial: new LruList() };
  readonly #byName = new Map<string, Set<string>>();
  readonly #caps = new Map<string, TtlCap>();
  readonly #aliases = new Map<string, { entry: Entry; value: W | null }>();
  readonly #attachedHit: AttachedHit<W | null> = { value: null, ttl: 0, kind: 'success' };
  #bytes = 0;
  #tick = 0;
  readonly #counts = { hits: 0, misses: 0, prefetches: 0, servedStale: 0, evictions: 0, drops: 0 };

  constructor(options: ResponseCacheOptions = {}) {
    this.limits = {
      success: { ...DEFAULT_SUCCESS, ...definedOnly(options.success) },
      denial: { ...DEFAULT_DENIAL, ...definedOnly(options.denial) },
    };
    this.maxBytes = options.maxBytes ?? Infinity;
    this.prefetchOptions = options.prefetch;
    this.serveStaleOptions = options.serveStale;
    this.#keepTtl = options.keepTtl ?? false;
    this.#disable = {
      success: (options.disable?.success ?? []).map(normalizeName),
      denial: (options.disable?.denial ?? []).map(normalizeName),
    };
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#metrics = options.metrics ? cacheMetrics(options.metrics) : noCacheMetrics;
  }

  /** A fresh answer, or undefined (a miss; expired entries included, see `getStale`). */
  get(q: CacheQuestion): CachedAnswer | undefined {
    this.#metrics.requests.inc();
    const key = questionKey(q);
    const entry = this.#find(key);
    const now = this.#now();
    if (entry === undefined) return this.#miss();
    const expiry = this.#expiry(entry);
    if (now >= expiry) {
      if (!this.#withinStale(expiry, now)) this.#remove(entry);
      return this.#miss();
    }
    this.#touch(entry);
    this.#counts.hits++;
    this.#metrics.hits[entry.kind].inc();
    const ttl = Math.ceil((expiry - now) / 1000);
    const prefetch = this.#prefetchDue(entry, ttl, now);
    return this.#answer(entry, q.name, ttl, false, prefetch, expiry - now, this.#unseenFor(entry, expiry, now));
  }

  /**
   * An expired answer still within the serve-stale window, for when the upstream failed (or at once in
   * `immediate` mode). Its records carry the stale TTL (30 s by default).
   */
  getStale(q: CacheQuestion): CachedAnswer | undefined {
    if (this.serveStaleOptions === undefined) return undefined;
    const entry = this.#find(questionKey(q));
    if (entry === undefined) return undefined;
    const now = this.#now();
    const expiry = this.#expiry(entry);
    if (now < expiry) return undefined;
    if (!this.#withinStale(expiry, now)) {
      this.#remove(entry);
      return undefined;
    }
    this.#touch(entry);
    this.#counts.servedStale++;
    this.#metrics.servedStale.inc();
    return this.#answer(entry, q.name, this.serveStaleOptions.ttl ?? DEFAULT_STALE_TTL, true, false, 0, 0);
  }

  /**
   * Ties `alias` (e.g. the wire form of the question and the client's EDNS class) and a value (e.g. the
   * answer pre-encoded) to the entry `q` finds. Both go when the entry goes (expiry, eviction,
   * invalidation, replacement). A null value marks the alias as known but of no use to `getAttached`.
   * Returns false when `q` has no entry.
   */
  attach(q: CacheQuestion, alias: string, value: W | null): boolean {
    const entry = this.#find(questionKey(q));
    if (entry === undefined) return false;
    const known = this.#aliases.get(alias);
    if (known !== undefined && known.entry !== entry) this.#unalias(alias, known.entry);
    this.#aliases.set(alias, { entry, value });
    if (known?.entry !== entry) (entry.aliases ??= []).push(alias);
    return true;
  }

  /** True when `alias` is attached to a live entry (whatever its value). */
  isAttached(alias: string): boolean {
    return this.#aliases.has(alias);
  }

  /**
   * A fresh hit by alias, counted exactly as `get` counts it (requests, hits, recency, hotness for
   * prefetch). Undefined, with nothing counted, when the alias is unknown or its value is null, the
   * entry has expired, or a prefetch is due: the caller then asks `get`, which handles all of those.
   * The returned object is reused by the next call.
   */
  getAttached(alias: string): AttachedHit<W> | undefined {
    const found = this.#aliases.get(alias);
    if (found === undefined || found.value === null) return undefined;
    const entry = found.entry;
    const now = this.#now();
    const expiry = this.#expiry(entry);
    if (now >= expiry) return undefined;
    const ttl = Math.ceil((expiry - now) / 1000);
    const p = this.prefetchOptions;
    if (p !== undefined && p.amount > 0) {
      // #prefetchDue's decision, without its side effects when it says yes (get will take it again).
      const hitCount = now - entry.lastHitAt >= p.durationMs ? 1 : entry.hitCount + 1;
      if (!entry.prefetchTold && hitCount >= p.amount && ttl <= Math.ceil((p.percentage / 100) * entry.ttl)) return undefined;
      entry.hitCount = hitCount;
      entry.lastHitAt = now;
    }
    this.#metrics.requests.inc();
    this.#touch(entry);
    this.#counts.hits++;
    this.#metrics.hits[entry.kind].inc();
    const hit = this.#attachedHit;
    hit.value = found.value;
    hit.ttl = ttl;
    hit.kind = entry.kind;
    return hit as AttachedHit<W>;
  }

  /**
   * The TTL `set` would store this response with, or null where it would store nothing; stores nothing.
   * For answers the caller keeps no copy of, which must still carry the TTL a stored one would.
   */
  ttlOf(q: CacheQuestion, response: CacheableResponse): number | null {
    const judged = this.#judge(q, response);
    return 'code' in judged ? null : judged.ttl;
  }

  /** Whether and how a response would be stored: its kind, sections, TTL and size, or why not. */
  #judge(
    q: CacheQuestion,
    response: CacheableResponse,
  ):
    | Extract<SetResult, { stored: false }>
    | { name: string; kind: ResponseKind; answers: Answer[]; authorities: Answer[]; additionals: Answer[]; ttl: number; bytes: number } {
    const name = normalizeName(q.name);
    if (response.questionName !== undefined && normalizeName(response.questionName) !== name) {
      return { stored: false, code: 'question-mismatch', message: `response is for ${response.questionName}, not ${q.name}` };
    }
    const kind = classifyResponse(response.rcode, response.answers);
    if (kind === null) return { stored: false, code: 'not-cacheable', message: `${response.rcode} responses are not cached` };
    if (this.#disable[kind].some((zone) => isUnderZone(name, zone))) {
      return { stored: false, code: 'disabled', message: `caching of ${kind} responses is disabled for ${q.name}` };
    }
    const answers = withoutOpt(response.answers);
    const authorities = withoutOpt(response.authorities ?? []);
    const additionals = withoutOpt(response.additionals ?? []);
    const ttl = cappedTtl(rawResponseTtl(kind, [answers, authorities, additionals]), this.limits[kind]);
    if (ttl <= 0) return { stored: false, code: 'zero-ttl', message: `response for ${q.name} has a TTL of 0` };
    let bytes = ENTRY_OVERHEAD_BYTES + name.length;
    for (const section of [answers, authorities, additionals]) for (const rr of section) bytes += estimateRecordBytes(rr);
    if (bytes > this.maxBytes)
      return { stored: false, code: 'too-large', message: `response for ${q.name} (${bytes} bytes) exceeds the cache's ${this.maxBytes} bytes` };
    return { name, kind, answers, authorities, additionals, ttl, bytes };
  }

  /** Stores a response (replacing what the question had). Rcodes other than NOERROR/NXDOMAIN are not cached. */
  set(q: CacheQuestion, response: CacheableResponse): SetResult {
    const judged = this.#judge(q, response);
    if ('code' in judged) {
      if (judged.code === 'question-mismatch') {
        this.#counts.drops++;
        this.#metrics.drops.inc();
      }
      return judged;
    }
    const { name, kind, answers, authorities, additionals, ttl, bytes } = judged;

    const key = questionKey(q);
    const previous = this.#find(key);
    const now = this.#now();
    const names = new Set<string>([name]);
    for (const rr of answers) {
      names.add(normalizeName(rr.name));
      // A chain's last target may have no record here (NODATA, NXDOMAIN): its change must reach the entry too.
      if (rr.type === 'CNAME') names.add(normalizeName(rr.data));
    }
    const entry: Entry = {
      key,
      name,
      kind,
      rcode: response.rcode === 'NXDOMAIN' ? 'NXDOMAIN' : 'NOERROR',
      authoritative: response.authoritative ?? false,
      recursionAvailable: response.recursionAvailable ?? false,
      answers: answers.map((rr) => foldOwner(rr, name)),
      authorities,
      additionals,
      names: [...names],
      storedAt: now,
      ttl,
      bytes,
      lastUsed: 0,
      runs: [],
      prev: null,
      next: null,
      // A refresh keeps how hot the question is, so prefetch keeps going for popular names.
      hitCount: previous?.hitCount ?? 1,
      lastHitAt: previous?.lastHitAt ?? now,
      prefetchTold: false,
      replaced: false,
      aliases: null,
    };
    entry.runs = rrsetRuns(entry.answers);
    if (previous) {
      previous.replaced = true;
      this.#remove(previous);
    }
    this.#insert(entry);
    this.#evict(kind);
    const expiry = this.#expiry(entry);
    return { stored: true, kind, ttl, expiresInMs: Math.max(0, expiry - now), unseenForMs: this.#unseenFor(entry, expiry, now), entry };
  }

  /** Drops every entry (every type, positive and negative) for these names, and entries whose answers own them. */
  invalidate(names: Iterable<string>): number {
    let dropped = 0;
    for (const raw of names) {
      const keys = this.#byName.get(normalizeName(raw));
      if (!keys) continue;
      for (const key of [...keys]) {
        const entry = this.#find(key);
        if (entry) {
          this.#remove(entry);
          dropped++;
        }
      }
    }
    return dropped;
  }

  /**
   * Counts a hit answered from a copy of one of its replies kept outside (the server's pre-encoded
   * answers that count their TTL down): the hit ratio stays what clients see.
   */
  countHit(kind: ResponseKind): void {
    this.#metrics.requests.inc();
    this.#counts.hits++;
    this.#metrics.hits[kind].inc();
  }

  /** Drops every entry whose question is the zone or below it ('.' drops all). */
  invalidateZone(zone: string): number {
    const z = normalizeName(zone);
    let dropped = 0;
    for (const kind of ['success', 'denial'] as const) {
      for (const entry of this.#lru[kind].entries()) {
        if (isUnderZone(entry.name, z)) {
          this.#remove(entry);
          dropped++;
        }
      }
    }
    return dropped;
  }

  /**
   * While set, entries under the zone are served with at most `seconds` of TTL, counted from when the
   * cap was set (or from when the entry was stored, if later), and expire then. `null` lifts the cap.
   */
  capTtl(zone: string, seconds: number | null): void {
    const z = normalizeName(zone);
    if (seconds === null) {
      this.#caps.delete(z);
      return;
    }
    const since = this.#caps.get(z)?.since ?? this.#now();
    this.#caps.set(z, { seconds: Math.max(0, seconds), since });
  }

  /** Drops everything. */
  clear(): void {
    for (const kind of ['success', 'denial'] as const) this.#lru[kind].clear();
    this.#entries.clear();
    this.#byName.clear();
    this.#aliases.clear();
    this.#bytes = 0;
    this.#metrics.entries.success.set(0);
    this.#metrics.entries.denial.set(0);
  }

  get size(): number {
    return this.#lru.success.size + this.#lru.denial.size;
  }

  stats(): CacheStats {
    return {
      entries: { success: this.#lru.success.size, denial: this.#lru.denial.size },
      bytes: this.#bytes,
      ...this.#counts,
    };
  }

  #find(key: string): Entry | undefined {
    return this.#entries.get(key);
  }

  #miss(): undefined {
    this.#counts.misses++;
    this.#metrics.misses.inc();
    return undefined;
  }

  #expiry(entry: Entry): number {
    let expiry = entry.storedAt + entry.ttl * 1000;
    if (this.#caps.size > 0) {
      for (const [zone, cap] of this.#caps) {
        if (isUnderZone(entry.name, zone)) {
          expiry = Math.min(expiry, Math.max(entry.storedAt, cap.since) + cap.seconds * 1000);
        }
      }
    }
    return expiry;
  }

  #withinStale(expiry: number, now: number): boolean {
    return this.serveStaleOptions !== undefined && now < expiry + this.serveStaleOptions.durationMs;
  }

  #prefetchDue(entry: Entry, ttlLeft: number, now: number): boolean {
    const p = this.prefetchOptions;
    if (p === undefined || p.amount <= 0) return false;
    // CoreDNS's notion of popular: AMOUNT queries with no gap of DURATION or more between them.
    entry.hitCount = now - entry.lastHitAt >= p.durationMs ? 1 : entry.hitCount + 1;
    entry.lastHitAt = now;
    if (entry.prefetchTold || entry.hitCount < p.amount) return false;
    const threshold = Math.ceil((p.percentage / 100) * entry.ttl);
    if (ttlLeft > threshold) return false;
    entry.prefetchTold = true;
    this.#counts.prefetches++;
    this.#metrics.prefetches.inc();
    return true;
  }

  /**
   * See CachedAnswer.unseenForMs: a prefetch may be due once the TTL left is down to its threshold; once
   * it is on its way the cache needs to see no more hits (the refresh replaces the entry).
   */
  #unseenFor(entry: Entry, expiry: number, now: number): number {
    const p = this.prefetchOptions;
    const until = p !== undefined && p.amount > 0 && !entry.prefetchTold ? expiry - Math.ceil((p.percentage / 100) * entry.ttl) * 1000 : expiry;
    return Math.max(0, until - now);
  }

  #answer(entry: Entry, asked: string, ttl: number, stale: boolean, prefetch: boolean, expiresInMs: number, unseenForMs: number): CachedAnswer {
    const keep = this.#keepTtl && !stale;
    const setTtl = (rr: Answer): Answer => (rr.type === 'OPT' || keep ? { ...rr } : { ...rr, ttl });
    const askedName = asked.endsWith('.') && asked !== '.' ? asked.slice(0, -1) : asked;
    const answers = entry.answers.map((rr) => {
      const copy = setTtl(rr);
      // Stored case-folded; echo the case of the question as asked (0x20 clients check it).
      if (copy.name === entry.name) copy.name = askedName;
      return copy;
    });
    for (const [start, end] of entry.runs) shuffleRun(answers, start, end, this.#random);
    return {
      rcode: entry.rcode,
      kind: entry.kind,
      authoritative: entry.authoritative,
      recursionAvailable: entry.recursionAvailable,
      answers,
      authorities: entry.authorities.map(setTtl),
      additionals: entry.additionals.map(setTtl),
      ttl,
      stale,
      prefetch,
      expiresInMs,
      unseenForMs,
      entry,
    };
  }

  #touch(entry: Entry): void {
    this.#lru[entry.kind].moveToTail(entry);
    entry.lastUsed = ++this.#tick;
  }

  #insert(entry: Entry): void {
    entry.lastUsed = ++this.#tick;
    this.#lru[entry.kind].push(entry);
    this.#entries.set(entry.key, entry);
    this.#bytes += entry.bytes;
    for (const n of entry.names) {
      let keys = this.#byName.get(n);
      if (!keys) {
        keys = new Set();
        this.#byName.set(n, keys);
      }
      keys.add(entry.key);
    }
    this.#metrics.entries[entry.kind].set(this.#lru[entry.kind].size);
  }

  #remove(entry: Entry): void {
    if (this.#entries.get(entry.key) !== entry) return;
    this.#entries.delete(entry.key);
    this.#lru[entry.kind].unlink(entry);
    this.#bytes -= entry.bytes;
    for (const n of entry.names) {
      const keys = this.#byName.get(n);
      if (!keys) continue;
      keys.delete(entry.key);
      if (keys.size === 0) this.#byName.delete(n);
    }
    if (entry.aliases !== null) for (const alias of entry.aliases) this.#unalias(alias, entry);
    this.#metrics.entries[entry.kind].set(this.#lru[entry.kind].size);
  }

  #unalias(alias: string, entry: Entry): void {
    if (this.#aliases.get(alias)?.entry === entry) this.#aliases.delete(alias);
  }

  #evictOne(kind: ResponseKind): void {
    const first = this.#lru[kind].head;
    if (first === null) return;
    this.#remove(first);
    this.#counts.evictions++;
    this.#metrics.evictions[kind].inc();
  }

  #evict(kind: ResponseKind): void {
    const capacity = Math.max(0, this.limits[kind].capacity);
    while (this.#lru[kind].size > capacity) this.#evictOne(kind);
    while (this.#bytes > this.maxBytes && this.size > 0) {
      // The least recently used of both kinds: compare the heads of the two LRU maps.
      const s = this.#lru.success.head;
      const d = this.#lru.denial.head;
      if (s === null) this.#evictOne('denial');
      else if (d === null) this.#evictOne('success');
      else this.#evictOne(s.lastUsed <= d.lastUsed ? 'success' : 'denial');
    }
  }
}

/** Entries of one kind, least recently used at the head; an intrusive list so a hit costs no hashing. */
class LruList {
  head: Entry | null = null;
  tail: Entry | null = null;
  size = 0;

  push(e: Entry): void {
    e.prev = this.tail;
    e.next = null;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
    this.size++;
  }

  unlink(e: Entry): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = null;
    this.size--;
  }

  moveToTail(e: Entry): void {
    if (this.tail === e) return;
    this.unlink(e);
    this.push(e);
  }

  clear(): void {
    this.head = this.tail = null;
    this.size = 0;
  }

  /** A snapshot, so entries may be removed while iterating. */
  entries(): Entry[] {
    const out: Entry[] = [];
    for (let e = this.head; e !== null; e = e.next) out.push(e);
    return out;
  }
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function withoutOpt(records: readonly Answer[]): Answer[] {
  return records.filter((rr) => rr.type !== 'OPT').map((rr) => ({ ...rr }));
}

function foldOwner(rr: Answer, name: string): Answer {
  if (rr.name.toLowerCase().replace(/\.$/, '') === name) rr.name = name;
  return rr;
}
