// The cache handler: answers from @halo/cache, calls next on a miss and stores what it returns,
// refreshes hot entries behind the answer (prefetch), and falls back to stale entries when next fails.
import { isUnderZone, normalizeName, ResponseCache } from '@halo/cache';
import type { Answer } from 'dns-packet';
import type { CachedAnswer, CacheMetricsOptions, CacheQuestion } from '@halo/cache';
import type { WireQuestion } from '@halo/dns';
import type { DnsRequest, DnsResponse, Handler, Next, TtlCountdown, WireAnswerer } from '../../plugin.ts';
import { copyableAnswers, WireSlab } from '../../fast-path.ts';
import { typeLabel } from '../../metrics.ts';
import type { CacheConfig } from './setup.ts';
import { buildTemplate, replyFrom, requestAlias, wireAliasOf, type WireTemplate } from './wire.ts';

export interface CacheHandlerOptions {
  metrics?: CacheMetricsOptions;
  /**
   * In `immediate` serve-stale mode, how long to wait for next before answering from a stale entry
   * (the refresh goes on behind). RFC 8767 §5 suggests a client response timer of 1.8 s.
   */
  staleAfterMs?: number;
  now?: () => number;
  random?: () => number;
}

export const DEFAULT_STALE_AFTER_MS = 1800;

function questionOf(req: DnsRequest): CacheQuestion {
  // DO-bit answers may carry DNSSEC records; keep them apart from plain ones.
  return { name: req.qname, type: req.qtype, class: req.qclass, variant: req.dnssecOk ? 'do' : '' };
}

function responseOf(hit: CachedAnswer): DnsResponse {
  return {
    rcode: hit.rcode,
    authoritative: hit.authoritative,
    recursionAvailable: hit.recursionAvailable,
    answers: hit.answers,
    authorities: hit.authorities,
    additionals: hit.additionals,
  };
}

/**
 * The plugin's ResponseCache, which also remembers the TTL caps set on it (`capTtl`, e.g. by the node
 * cache while its bus is down): `set` reports the TTL before caps, and the reply to a miss must carry
 * the capped one.
 */
class PluginCache extends ResponseCache<WireTemplate> implements TtlCountdown {
  readonly #caps = new Map<string, number>();
  /** Bumped when copies of replies kept by the core must go with the entries (see Handler.ttlCountdown). */
  generation = 0;

  override capTtl(zone: string, seconds: number | null): void {
    super.capTtl(zone, seconds);
    this.generation++;
    if (seconds === null) this.#caps.delete(normalizeName(zone));
    else this.#caps.set(normalizeName(zone), Math.max(0, seconds));
  }

  override invalidateZone(zone: string): number {
    this.generation++;
    return super.invalidateZone(zone);
  }

  override clear(): void {
    this.generation++;
    super.clear();
  }

  /** The TTL of an answer stored just now: `ttl`, lowered by the caps over `name` (counted from now). */
  capped(name: string, ttl: number): number {
    let out = ttl;
    for (const [zone, seconds] of this.#caps) if (isUnderZone(normalizeName(name), zone)) out = Math.min(out, seconds);
    return out;
  }
}

/** The response with every record's TTL set to `ttl` (OPT aside), counting down from now as `countdown` says. */
function withTtl(response: DnsResponse, ttl: number, countdown: NonNullable<DnsResponse['countdown']>): DnsResponse {
  const capped = (rr: Answer): Answer => (rr.type === 'OPT' ? rr : { ...rr, ttl });
  return {
    ...response,
    answers: response.answers.map(capped),
    authorities: response.authorities.map(capped),
    additionals: response.additionals.map(capped),
    countdown,
  };
}

export class CacheHandler implements Handler {
  readonly name = 'cache';
  readonly cache: PluginCache;
  /**
   * The core may keep its replies pre-encoded and count their TTL down itself (each reply says how long:
   * until expiry, or until a prefetch may be due), unless `keepttl` keeps the TTLs as received.
   */
  readonly ttlCountdown: TtlCountdown | undefined;
  /** Fresh hits answered from their pre-encoded replies, ahead of the chain (see wire.ts). */
  readonly wire: WireAnswerer;
  readonly config: CacheConfig;
  readonly #staleAfterMs: number;
  readonly #random: () => number;
  /** Hits answered from pre-encoded replies (wire.ts), for tests and debugging; `cache.stats()` counts them as hits too. */
  wireHits = 0;
  readonly #wireResult: { reply: Buffer; template: WireTemplate | null } = { reply: Buffer.alloc(0), template: null };
  readonly #wireLabels: { reply: Buffer; rcode: string; type: string; labels: object } = { reply: Buffer.alloc(0), rcode: '', type: '', labels: {} };
  /** Where pre-encoded replies live, apart from Node's shared pool. */
  readonly #slab = new WireSlab();

  constructor(config: CacheConfig, options: CacheHandlerOptions = {}) {
    this.config = config;
    this.#staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.#random = options.random ?? Math.random;
    this.cache = new PluginCache({
      success: config.success,
      denial: config.denial,
      prefetch: config.prefetch,
      serveStale: config.serveStale,
      keepTtl: config.keepTtl,
      disable: config.disable,
      metrics: options.metrics,
      now: options.now,
      random: options.random,
    });
    this.ttlCountdown = config.keepTtl ? undefined : this.cache;
    this.wire = {
      covers: (qnameLower) => this.covers(qnameLower),
      reply: (query, q, transport) => {
        const hit = this.wireReply(query, q, transport);
        if (hit === null) return null;
        const out = this.#wireLabels;
        out.reply = hit.reply;
        out.rcode = hit.template.rcode;
        out.type = hit.template.type;
        // A template's rcode and type never change: it stands for them.
        out.labels = hit.template;
        return out;
      },
    };
  }

  /** The response cache, for DnsServer.caches() and invalidate(). */
  get responseCache(): PluginCache {
    return this.cache;
  }

  /** True when the cache is for this name (one of its zones holds it). */
  covers(qnameLower: string): boolean {
    return this.config.zones.some((z) => isUnderZone(qnameLower, z));
  }

  async serve(req: DnsRequest, next: Next): Promise<DnsResponse> {
    if (!this.covers(req.qnameLower)) return next(req);
    const q = questionOf(req);
    const hit = this.cache.get(q);
    if (hit) {
      if (hit.prefetch) this.#fetch(req, next, q).catch(() => undefined);
      this.#attachWire(req, q, hit);
      const response = responseOf(hit);
      if (this.ttlCountdown !== undefined) response.countdown = { expiresInMs: hit.expiresInMs, unseenForMs: hit.unseenForMs, entry: hit.entry };
      return response;
    }
    const upstream = this.#fetch(req, next, q);
    if (this.config.serveStale === undefined) return upstream;
    try {
      const response = this.config.serveStale.refreshMode === 'immediate' ? await this.#raceStale(upstream, q) : await upstream;
      if (response.rcode !== 'SERVFAIL') return response;
      const stale = this.cache.getStale(q);
      return stale ? responseOf(stale) : response;
    } catch (err) {
      const stale = this.cache.getStale(q);
      if (stale) return responseOf(stale);
      throw err;
    }
  }

  /**
   * A fresh hit straight from its pre-encoded reply (see wire.ts), counted as a hit; null when there is
   * none for this question and client class (the whole way then runs `serve`).
   */
  wireReply(query: Buffer, q: WireQuestion, transport: 'udp' | 'tcp'): { reply: Buffer; template: WireTemplate } | null {
    const hit = this.cache.getAttached(wireAliasOf(q, transport));
    if (hit === undefined) return null;
    this.wireHits++;
    const out = this.#wireResult;
    out.reply = replyFrom(hit.value, query, q, this.config.keepTtl ? null : hit.ttl, this.#random);
    out.template = hit.value;
    return out as { reply: Buffer; template: WireTemplate };
  }

  /** Leaves the reply to this hit pre-encoded on its entry, once per client class. */
  #attachWire(req: DnsRequest, q: CacheQuestion, hit: CachedAnswer): void {
    const alias = requestAlias(req);
    if (alias === null || this.cache.isAttached(alias)) return;
    this.cache.attach(q, alias, buildTemplate(req, hit, typeLabel(req.qtype), this.#random, this.#slab));
  }

  /** Drops every cached answer of these names (every type, negative ones too). */
  invalidate(names: string[]): number {
    return this.cache.invalidate(names);
  }

  close(): void {
    this.cache.clear();
  }

  #fetch(req: DnsRequest, next: Next, q: CacheQuestion): Promise<DnsResponse> {
    return next(req).then((response) => {
      if (response.live === true && copyableAnswers(response.answers)) return this.#passLive(q, response);
      const stored = this.cache.set(q, response);
      if (!stored.stored || this.config.keepTtl) return response;
      // As CoreDNS does: the first reply already carries the capped TTL, so clients do not see 1800 then 5.
      const ttl = this.cache.capped(q.name, stored.ttl);
      // The plugin's own caps (capped) may be lower than the cache's expiry says.
      return withTtl(response, ttl, {
        expiresInMs: Math.min(stored.expiresInMs, ttl * 1000),
        unseenForMs: Math.min(stored.unseenForMs, ttl * 1000),
        entry: stored.entry,
      });
    });
  }

  /**
   * A live answer (a `fastPathWriter`'s: kubernetes, hosts) is not stored. The core keeps a pre-encoded
   * copy of this reply that counts its TTL down as an entry would, answers from it as this cache's hit, and
   * drops it with the writer's change; a decoded entry beside it was a second copy, never read first
   * (~1.3 KB a name, 25 MB at 10 000 Services). The reply carries the TTL it would have been stored with.
   * Answers the core cannot copy (several SRV records of a headless Service: not shuffled on the wire)
   * are stored as before. In a block whose plugins must see every query
   * (log, acl) no copy is kept: a live answer is then asked of its writer each time, with the full TTL.
   */
  #passLive(q: CacheQuestion, response: DnsResponse): DnsResponse {
    const stored = this.config.keepTtl ? null : this.cache.ttlOf(q, response);
    if (stored === null) return response;
    const ttl = this.cache.capped(q.name, stored);
    return withTtl(response, ttl, { expiresInMs: ttl * 1000, unseenForMs: ttl * 1000 });
  }

  /** Next's answer, or a stale one if next has not answered within the client response timer. */
  #raceStale(upstream: Promise<DnsResponse>, q: CacheQuestion): Promise<DnsResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const stale = this.cache.getStale(q);
        if (stale) resolve(responseOf(stale));
      }, this.#staleAfterMs);
      upstream.then(
        (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }
}
