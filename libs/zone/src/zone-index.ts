// The index an answerer keeps: lowercase name → what each record set put there, updated per KV key.
// Records are built per question from the indexed data (a few objects), which keeps 100 000
// endpoints small in memory; the caller's fast path caches encoded answers.
import type { Answer } from 'dns-packet';
import { contributionOf } from './contribution.ts';
import type { Contribution, NameEntry, PtrEntry, SrvTarget } from './contribution.ts';
import { parseLabelSelector } from './labels.ts';
import type { LabelSelector } from './labels.ts';
import { addressOfReverseName, canonicalName, ipFromPodLabel, isReverseZone, normalizeIP, reverseName } from './names.ts';
import { recordSetsEqual } from './record-set.ts';
import { isZoneError } from './types.ts';
import type { Question, RecordSet, ZoneAnswer, ZoneOptions } from './types.ts';

export const dnsSchemaVersion = '1.1.0';
/** CoreDNS answers dns-version with a fixed TTL of 28800, whatever `ttl` says. */
const dnsVersionTtl = 28800;

export interface AnswerOptions {
  /** NXDOMAIN becomes null, so the server passes the question on (CoreDNS `fallthrough`) */
  fallthrough?: boolean;
}

/** What a key put in the index: its record set and the names to take out again, not the contribution's maps. */
interface Held {
  rs: RecordSet;
  forward: string[];
  /** addresses, as the reverse map keys them */
  reverse: string[];
  namespace: string | null;
  podKeys: string[];
}

function addRef(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function dropRef(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

/** Most names have one owner: the entry alone, not a one-element array (hundreds of thousands of them). */
type OneOrMore<T> = T | T[];

function addTo<T>(map: Map<string, OneOrMore<T>>, key: string, value: T): void {
  const had = map.get(key);
  if (had === undefined) map.set(key, value);
  else if (Array.isArray(had)) had.push(value);
  else map.set(key, [had, value]);
}

function removeFrom<T extends { owner: string }>(map: Map<string, OneOrMore<T>>, key: string, owner: string): void {
  const had = map.get(key);
  if (had === undefined) return;
  if (!Array.isArray(had)) {
    if (had.owner === owner) map.delete(key);
    return;
  }
  const rest = had.filter((e) => e.owner !== owner);
  if (rest.length === 0) map.delete(key);
  else map.set(key, rest.length === 1 ? (rest[0] as T) : rest);
}

function listOf<T>(e: OneOrMore<T> | undefined): T[] | undefined {
  return e === undefined ? undefined : Array.isArray(e) ? e : [e];
}

/** Names with prepared answers kept at most; past it the whole set starts over. */
const preparedLimit = 5_000;

/** The same answer with the question's spelling as owner name (0x20 clients compare it). */
function asAsked(a: ZoneAnswer, name: string, asked: string): ZoneAnswer {
  const rename = (rr: Answer): Answer => (rr.name === name ? { ...rr, name: asked } : rr);
  return { ...a, answers: a.answers.map(rename) };
}

function family(ip: string): 'A' | 'AAAA' {
  // Addresses in the index were checked when they came in: a colon tells the family.
  return ip.includes(':') ? 'AAAA' : 'A';
}

export class ZoneIndex {
  readonly options: ZoneOptions;
  #selector: LabelSelector | null;
  /** forward zones and reverse zones, longest first, so the most specific zone wins */
  #zones: string[];
  #clusterDomain: string;
  #held = new Map<string, Held>();
  #forward = new Map<string, OneOrMore<NameEntry>>();
  /** PTR data by address (see addressKey), not by reverse name: the address strings are the record sets' own. */
  #reverse = new Map<string, OneOrMore<PtrEntry>>();
  #namespaces = new Map<string, number>();
  #podIPs = new Map<string, number>();
  #serial: number;
  #clock: () => number;
  #forwardZones: string[];
  /**
   * Positive answers, built once per (name, type) and dropped when a put or delete touches the name.
   * Negative answers carry the SOA serial, so they are built each time (they are cheap).
   */
  #prepared = new Map<string, Map<string, ZoneAnswer>>();

  /**
   * `clock` (milliseconds) feeds the SOA serial, which follows the time of the last change as in
   * CoreDNS, so answerers that hold the same data agree closely. An invalid `labels` selector
   * selects nothing: check options with validateZoneOptions first.
   */
  constructor(options: ZoneOptions, clock: () => number = Date.now) {
    this.options = options;
    this.#clock = clock;
    this.#serial = Math.floor(clock() / 1000) >>> 0;
    const sel = options.labels === undefined ? null : parseLabelSelector(options.labels);
    this.#selector = isZoneError(sel) ? [{ key: '', op: 'exists' }] : sel;
    this.#zones = [...new Set(options.zones.map(canonicalName))].sort((a, b) => b.length - a.length);
    this.#forwardZones = this.#zones.filter((z) => !isReverseZone(z));
    this.#clusterDomain = options.zones.map(canonicalName).find((z) => !isReverseZone(z)) ?? 'cluster.local';
  }

  get serial(): number {
    return this.#serial;
  }

  get size(): number {
    return this.#held.size;
  }

  #changed(): void {
    this.#serial = Math.max((this.#serial + 1) >>> 0, Math.floor(this.#clock() / 1000) >>> 0);
  }

  put(key: string, rs: RecordSet): void {
    const old = this.#held.get(key);
    if (old && recordSetsEqual(old.rs, rs)) return;
    if (old) this.#remove(key, old);
    const c = contributionOf(key, rs, { options: this.options, selector: this.#selector, filter: true });
    this.#add(c);
    this.#held.set(key, { rs, forward: [...c.forward.keys()], reverse: [...c.reverse.keys()], namespace: c.namespace, podKeys: c.podKeys });
    this.#changed();
  }

  delete(key: string): void {
    const old = this.#held.get(key);
    if (!old) return;
    this.#remove(key, old);
    this.#held.delete(key);
    this.#changed();
  }

  clear(): void {
    const had = this.#held.size > 0;
    this.#held.clear();
    this.#forward.clear();
    this.#reverse.clear();
    this.#namespaces.clear();
    this.#podIPs.clear();
    this.#prepared.clear();
    if (had) this.#changed();
  }

  #forget(forward: Iterable<string>, reverse: Iterable<string>): void {
    if (this.#prepared.size === 0) return;
    for (const rel of forward) for (const z of this.#forwardZones) this.#prepared.delete(`${rel}.${z}`);
    for (const address of reverse) {
      const name = reverseName(address);
      if (name) this.#prepared.delete(name);
    }
  }

  #add(c: Contribution): void {
    this.#forget(c.forward.keys(), c.reverse.keys());
    for (const [rel, e] of c.forward) addTo(this.#forward, rel, e);
    for (const [address, e] of c.reverse) addTo(this.#reverse, address, e);
    if (c.namespace !== null) addRef(this.#namespaces, c.namespace);
    for (const k of c.podKeys) addRef(this.#podIPs, k);
  }

  #remove(owner: string, c: Held): void {
    this.#forget(c.forward, c.reverse);
    for (const rel of c.forward) removeFrom(this.#forward, rel, owner);
    for (const address of c.reverse) removeFrom(this.#reverse, address, owner);
    if (c.namespace !== null) dropRef(this.#namespaces, c.namespace);
    for (const k of c.podKeys) dropRef(this.#podIPs, k);
  }

  /** The zone (lowercase, as configured) a name falls in, or null when it is none of ours. */
  zoneOf(name: string): string | null {
    const n = canonicalName(name);
    for (const z of this.#zones) {
      if (n === z || (n.length > z.length && n.endsWith(z) && n.charCodeAt(n.length - z.length - 1) === 46)) return z;
    }
    return null;
  }

  matches(q: Question): boolean {
    return this.zoneOf(q.name) !== null;
  }

  answer(q: Question, opts: AnswerOptions = {}): ZoneAnswer | null {
    const asked = q.name.endsWith('.') ? q.name.slice(0, -1) : q.name;
    const name = asked.toLowerCase();
    const type = q.type.toUpperCase();
    const hit = this.#prepared.get(name)?.get(type);
    if (hit) return asked === name ? hit : asAsked(hit, name, asked);
    const zone = this.zoneOf(name);
    if (zone === null) return null;
    let a: ZoneAnswer;
    let keep = false;
    if (name === zone) a = this.#apex(name, zone, type);
    else if (isReverseZone(zone)) {
      a = this.#reverseAnswer(name, zone, type);
      keep = true;
    } else {
      const rel = name.slice(0, name.length - zone.length - 1);
      const entries = listOf(this.#forward.get(rel));
      keep = entries !== undefined;
      a = entries ? this.#records(name, entries, zone, type) : this.#forwardAnswer(name, rel, zone, type);
    }
    if (keep && a.answers.length > 0) {
      if (this.#prepared.size >= preparedLimit) this.#prepared.clear();
      let byType = this.#prepared.get(name);
      if (!byType) this.#prepared.set(name, (byType = new Map()));
      byType.set(type, a);
    }
    if (a.rcode === 'NXDOMAIN' && opts.fallthrough) return null;
    return asked === name ? a : asAsked(a, name, asked);
  }

  #soa(zone: string): Answer {
    const ttl = this.options.ttl;
    return {
      type: 'SOA',
      name: zone,
      ttl: Math.min(ttl, 300),
      class: 'IN',
      data: {
        mname: `ns.dns.${zone}`,
        rname: `hostmaster.${zone}`,
        serial: this.#serial,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: ttl,
      },
    };
  }

  #ok(zone: string, answers: Answer[], additionals: Answer[] = []): ZoneAnswer {
    // No answer for an existing name is NODATA: the SOA goes in the authority section.
    return {
      rcode: 'NOERROR',
      authoritative: true,
      answers,
      authorities: answers.length === 0 ? [this.#soa(zone)] : [],
      additionals,
    };
  }

  #nxdomain(zone: string): ZoneAnswer {
    return { rcode: 'NXDOMAIN', authoritative: true, answers: [], authorities: [this.#soa(zone)], additionals: [] };
  }

  #address(name: string, ip: string): Answer {
    return { type: family(ip), name, ttl: this.options.ttl, class: 'IN', data: ip };
  }

  #addresses(name: string, addrs: Iterable<string>, type: string): Answer[] {
    const out: Answer[] = [];
    for (const ip of addrs) {
      const t = family(ip);
      if (type === 'ANY' || type === t) out.push({ type: t, name, ttl: this.options.ttl, class: 'IN', data: ip });
    }
    return out;
  }

  #apex(asked: string, zone: string, type: string): ZoneAnswer {
    if (type === 'SOA' || type === 'ANY') return this.#ok(zone, [{ ...this.#soa(zone), name: asked }]);
    if (type === 'NS') {
      const target = `ns.dns.${zone}`;
      const additionals: Answer[] = [];
      for (const ip of this.options.nsAddresses) additionals.push(this.#address(target, ip));
      return this.#ok(zone, [{ type: 'NS', name: asked, ttl: this.options.ttl, class: 'IN', data: target }], additionals);
    }
    return this.#ok(zone, []);
  }

  #reverseAnswer(name: string, zone: string, type: string): ZoneAnswer {
    const asked = name;
    const address = addressOfReverseName(name);
    const entries = address === null ? undefined : listOf(this.#reverse.get(address));
    // Unknown addresses are NXDOMAIN (no empty non-terminals here), so `fallthrough in-addr.arpa` works.
    if (!entries) return this.#nxdomain(zone);
    if (type !== 'PTR' && type !== 'ANY') return this.#ok(zone, []);
    const first = entries.find((e) => e.clusterIP);
    const chosen = first ? [first] : entries;
    const targets = new Set(chosen.map((e) => `${e.rel}.${this.#clusterDomain}`));
    const answers: Answer[] = [...targets].map((t) => ({ type: 'PTR', name: asked, ttl: this.options.ttl, class: 'IN', data: t }));
    return this.#ok(zone, answers);
  }

  #forwardAnswer(asked: string, rel: string, zone: string, type: string): ZoneAnswer {
    switch (rel) {
      case 'dns-version':
        if (type === 'TXT' || type === 'ANY') {
          return this.#ok(zone, [{ type: 'TXT', name: asked, ttl: dnsVersionTtl, class: 'IN', data: [dnsSchemaVersion] }]);
        }
        return this.#ok(zone, []);
      case 'ns.dns':
        return this.#ok(zone, this.#addresses(asked, this.options.nsAddresses, type));
      case 'dns':
      case 'svc':
      case 'pod':
        return this.#ok(zone, []);
    }
    const dot = rel.lastIndexOf('.');
    const last = rel.slice(dot + 1);
    const labels = rel.split('.');
    if (last === 'svc' && labels.length === 2) {
      return this.#namespaces.has(labels[0] as string) ? this.#ok(zone, []) : this.#nxdomain(zone);
    }
    if (last === 'pod') return this.#pod(asked, labels, zone, type);
    return this.#nxdomain(zone);
  }

  #pod(asked: string, labels: string[], zone: string, type: string): ZoneAnswer {
    const mode = this.options.pods;
    if (mode === 'disabled' || labels.length > 3) return this.#nxdomain(zone);
    const ns = labels[labels.length - 2] as string;
    if (!this.#namespaces.has(ns)) return this.#nxdomain(zone);
    if (labels.length === 2) return this.#ok(zone, []);
    const ip = ipFromPodLabel(labels[0] as string);
    if (ip === null) return this.#nxdomain(zone);
    if (mode === 'verified' && !this.#podIPs.has(`${ns}/${normalizeIP(ip)}`)) return this.#nxdomain(zone);
    return this.#ok(zone, this.#addresses(asked, [ip], type));
  }

  #records(asked: string, entries: NameEntry[], zone: string, type: string): ZoneAnswer {
    const ttl = this.options.ttl;
    const cname = entries.find((e) => e.cname !== undefined)?.cname;
    if (cname !== undefined) {
      // The specification's CNAME, answered for every type; the resolver follows it, we do not.
      return this.#ok(zone, [{ type: 'CNAME', name: asked, ttl, class: 'IN', data: cname }]);
    }
    if (type === 'A' || type === 'AAAA' || type === 'ANY') {
      const addrs = new Set<string>();
      for (const e of entries) for (const ip of e.addrs ?? []) addrs.add(ip);
      const answers = this.#addresses(asked, addrs, type);
      // ANY (RFC 8482): the addresses; a name with only SRV data gives its SRV records instead.
      if (type !== 'ANY' || answers.length > 0) return this.#ok(zone, answers);
    }
    if (type === 'SRV' || type === 'ANY') return this.#srv(asked, entries, zone);
    return this.#ok(zone, []);
  }

  #srv(asked: string, entries: NameEntry[], zone: string): ZoneAnswer {
    const items: { target: SrvTarget; port: number; addr: string }[] = [];
    for (const e of entries) {
      if (!e.srvTargets) continue;
      const f = e.srvPort;
      for (const target of e.srvTargets) {
        const addrs = target.addrs;
        for (const p of target.ports) {
          if (f && (p.name !== f.name || p.protocol.toLowerCase() !== f.protocol)) continue;
          for (const addr of addrs) items.push({ target, port: p.port, addr });
        }
      }
    }
    // As CoreDNS: priority 0, weight 100 split over every (address, port) pair before duplicates go.
    const weight = Math.max(1, Math.floor(100 / Math.max(1, items.length)));
    const ttl = this.options.ttl;
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    const seenSrv = new Set<string>();
    const seenAddr = new Set<string>();
    for (const { target, port, addr } of items) {
      const name = `${target.rel}.${zone}`;
      const sk = `${name} ${port}`;
      if (!seenSrv.has(sk)) {
        seenSrv.add(sk);
        answers.push({ type: 'SRV', name: asked, ttl, class: 'IN', data: { priority: 0, weight, port, target: name } });
      }
      const ak = `${name} ${addr}`;
      if (!seenAddr.has(ak)) {
        seenAddr.add(ak);
        additionals.push(this.#address(name, addr));
      }
    }
    return this.#ok(zone, answers, additionals);
  }
}
