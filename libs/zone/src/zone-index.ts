// The index an answerer keeps: lowercase name → what each record set put there, updated per KV key.
// Records are built per question from the indexed data (a few objects), which keeps 100 000
// endpoints small in memory; the caller's fast path caches encoded answers.
import type { Answer } from 'dns-packet';
import { addressKey, contributionOf, EndpointAddress } from './contribution.ts';
import type { Contribution, NameEntry, PtrEntry, SrvTarget } from './contribution.ts';
import { labelsMatch, parseLabelSelector } from './labels.ts';
import type { LabelSelector } from './labels.ts';
import { addressOfReverseName, canonicalName, dashedIP, ipFromPodLabel, isReverseZone, normalizeIP } from './names.ts';
import { recordSetsEqual } from './record-set.ts';
import { isZoneError } from './types.ts';
import type { Question, RecordSet, ZoneAnswer, ZoneOptions } from './types.ts';

export const dnsSchemaVersion = '1.1.0';
/** CoreDNS answers dns-version with a fixed TTL of 28800, whatever `ttl` says. */
const dnsVersionTtl = 28800;
/** CNAMEs followed at most in one answer, as CoreDNS bounds its chase (maxCnameChainLength). */
export const maxCnameChain = 10;

export interface AnswerOptions {
  /** NXDOMAIN becomes null, so the server passes the question on (CoreDNS `fallthrough`) */
  fallthrough?: boolean;
}

/** What a key put in the index: its record set and the names to take out again, not the contribution's maps. */
interface Held {
  rs: RecordSet;
  forward: readonly string[];
  /** addresses, as the reverse map keys them */
  reverse: readonly string[];
  namespace: string | null;
  podKeys: readonly string[];
  /** its CNAMEs (ExternalName): relative name and absolute target */
  cnames: readonly (readonly [string, string])[];
}

const none: readonly never[] = Object.freeze([]);

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

function addAlias(map: Map<string, string[]>, target: string, rel: string): void {
  const had = map.get(target);
  if (had) had.push(rel);
  else map.set(target, [rel]);
}

function dropAlias(map: Map<string, string[]>, target: string, rel: string): void {
  const had = map.get(target);
  if (!had) return;
  const at = had.indexOf(rel);
  if (at >= 0) had.splice(at, 1);
  if (had.length === 0) map.delete(target);
}

/** The target when the answer is one CNAME and nothing else (an ExternalName's name), else null. */
function onlyCname(a: ZoneAnswer): string | null {
  const rr = a.answers.length === 1 ? a.answers[0] : undefined;
  return rr !== undefined && rr.type === 'CNAME' ? canonicalName(rr.data) : null;
}

function family(ip: string): 'A' | 'AAAA' {
  // Addresses in the index were checked when they came in: a colon tells the family.
  return ip.includes(':') ? 'AAAA' : 'A';
}

export class ZoneIndex {
  readonly options: ZoneOptions;
  #selector: LabelSelector | null;
  /** `namespace_labels`, parsed; null: every namespace */
  #namespaceSelector: LabelSelector | null;
  /** the labels of every Namespace in the index, by lowercase name */
  #namespaceLabels = new Map<string, Record<string, string>>();
  /** CNAME target (absolute, lowercase) → the relative names whose CNAME points there, for invalidation */
  #aliases = new Map<string, string[]>();
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
  /** The SOA of each zone and the serial it was made at (see #soa). */
  #soas = new Map<string, { serial: number; soa: Answer }>();

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
    const nsSel = options.namespaceLabels === undefined ? null : parseLabelSelector(options.namespaceLabels);
    this.#namespaceSelector = isZoneError(nsSel) ? [{ key: '', op: 'exists' }] : nsSel;
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

  /** The record set a key holds: the index is its one holder in an answerer (no other map keeps it). */
  get(key: string): RecordSet | undefined {
    return this.#held.get(key)?.rs;
  }

  /** The record sets (Services, Pods) of a namespace, in the order they were put. */
  *recordSetsIn(namespace: string): Iterable<RecordSet> {
    for (const held of this.#held.values()) if (held.rs.kind !== 'Namespace' && held.rs.namespace === namespace) yield held.rs;
  }

  #changed(): void {
    this.#serial = Math.max((this.#serial + 1) >>> 0, Math.floor(this.#clock() / 1000) >>> 0);
  }

  put(key: string, rs: RecordSet): void {
    const old = this.#held.get(key);
    if (old && recordSetsEqual(old.rs, rs)) {
      // Hold the newest object, the one the source keeps too, rather than an equal copy beside it.
      old.rs = rs;
      return;
    }
    if (old) this.#remove(key, old);
    const namespace = rs.kind === 'Namespace' ? rs.name.toLowerCase() : null;
    const matched = namespace === null ? false : this.#namespaceMatches(namespace);
    if (rs.kind === 'Namespace') this.#namespaceLabels.set(rs.name.toLowerCase(), rs.labels);
    this.#hold(key, rs);
    if (namespace !== null && matched !== this.#namespaceMatches(namespace)) this.#reconsider(namespace);
    this.#changed();
  }

  delete(key: string): void {
    const old = this.#held.get(key);
    if (!old) return;
    this.#remove(key, old);
    this.#held.delete(key);
    if (old.rs.kind === 'Namespace') {
      const namespace = old.rs.name.toLowerCase();
      const matched = this.#namespaceMatches(namespace);
      this.#namespaceLabels.delete(namespace);
      if (matched) this.#reconsider(namespace);
    }
    this.#changed();
  }

  /** `namespace_labels`: true when the Namespace is in the index and matches (always true without the option). */
  #namespaceMatches(namespace: string): boolean {
    if (this.#namespaceSelector === null) return true;
    const labels = this.#namespaceLabels.get(namespace);
    return labels !== undefined && labelsMatch(this.#namespaceSelector, labels);
  }

  #hold(key: string, rs: RecordSet): void {
    const c = contributionOf(key, rs, {
      options: this.options,
      selector: this.#selector,
      filter: true,
      namespaceMatches: this.#namespaceSelector === null ? undefined : (ns) => this.#namespaceMatches(ns),
    });
    this.#add(c);
    const cnames: [string, string][] = [];
    for (const [rel, e] of c.forward) if (e.cname !== undefined) cnames.push([rel, canonicalName(e.cname)]);
    for (const [rel, target] of cnames) addAlias(this.#aliases, target, rel);
    // Most record sets have no pod keys and no CNAME: one shared empty list rather than two per key.
    this.#held.set(key, {
      rs,
      forward: [...c.forward.keys()],
      reverse: [...c.reverse.keys()],
      namespace: c.namespace,
      podKeys: c.podKeys.length === 0 ? none : c.podKeys,
      cnames: cnames.length === 0 ? none : cnames,
    });
  }

  /** A Namespace came, went or changed its labels across `namespace_labels`: its other record sets are put again. */
  #reconsider(namespace: string): void {
    for (const [key, held] of [...this.#held]) {
      if (held.rs.kind === 'Namespace' || held.rs.namespace.toLowerCase() !== namespace) continue;
      this.#remove(key, held);
      this.#hold(key, held.rs);
    }
  }

  /**
   * The names (lowercase, no trailing dot) whose answers follow a CNAME to any of these names, however
   * many CNAMEs away: what else a change of these names touches, since in-zone targets are chased.
   */
  aliasesOf(names: Iterable<string>): string[] {
    if (this.#aliases.size === 0) return [];
    const seen = new Set<string>();
    const queue = [...names].map(canonicalName);
    const out: string[] = [];
    while (queue.length > 0) {
      const target = queue.pop() as string;
      for (const rel of this.#aliases.get(target) ?? []) {
        for (const z of this.#forwardZones) {
          const alias = `${rel}.${z}`;
          if (seen.has(alias)) continue;
          seen.add(alias);
          out.push(alias);
          queue.push(alias);
        }
      }
    }
    return out;
  }

  clear(): void {
    const had = this.#held.size > 0;
    this.#held.clear();
    this.#forward.clear();
    this.#reverse.clear();
    this.#namespaces.clear();
    this.#podIPs.clear();
    this.#aliases.clear();
    this.#namespaceLabels.clear();
    if (had) this.#changed();
  }

  #add(c: Contribution): void {
    for (const [rel, e] of c.forward) addTo(this.#forward, rel, e);
    for (const [address, e] of c.reverse) addTo(this.#reverse, address, e);
    if (c.namespace !== null) addRef(this.#namespaces, c.namespace);
    for (const k of c.podKeys) addRef(this.#podIPs, k);
  }

  #remove(owner: string, c: Held): void {
    for (const rel of c.forward) removeFrom(this.#forward, rel, owner);
    for (const address of c.reverse) removeFrom(this.#reverse, address, owner);
    if (c.namespace !== null) dropRef(this.#namespaces, c.namespace);
    for (const k of c.podKeys) dropRef(this.#podIPs, k);
    for (const [rel, target] of c.cnames) dropAlias(this.#aliases, target, rel);
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
    const zone = this.zoneOf(name);
    if (zone === null) return null;
    let a = this.#lookup(name, asked, zone, type);
    // RFC 1034 4.3.2: a CNAME answers every type but CNAME (and ANY, which it matches) and is followed.
    if (type !== 'CNAME' && type !== 'ANY' && onlyCname(a) !== null) a = this.#chase(name, a, type);
    if (a.rcode === 'NXDOMAIN' && a.answers.length === 0 && opts.fallthrough) return null;
    return a;
  }

  /**
   * The answer of one name of a zone of ours (lowercase `name`), a CNAME not followed; its records are
   * owned by `asked`, the name as the question spelled it (0x20 clients compare it).
   */
  #lookup(name: string, asked: string, zone: string, type: string): ZoneAnswer {
    if (name === zone) return this.#apex(asked, zone, type);
    if (isReverseZone(zone)) return this.#reverseAnswer(name, asked, zone, type);
    const rel = name.slice(0, name.length - zone.length - 1);
    const entries = this.#namedByAddress(rel, listOf(this.#forward.get(rel)));
    if (entries) return this.#records(asked, entries, zone, type);
    return this.#forwardAnswer(asked, rel, zone, type);
  }

  /**
   * The entries of `rel`: `named` (its forward entries) and the endpoint addresses that have this name
   * by their address alone (`10-0-0-1.web.shop.svc`), which are found through the address (see
   * Contribution.forward), each of an owner with no forward entry of its own here.
   */
  #namedByAddress(rel: string, named: NameEntry[] | undefined): NameEntry[] | undefined {
    const dot = rel.indexOf('.');
    const label = rel.slice(0, Math.max(dot, 0));
    if (!label.includes('-')) return named;
    const ip = ipFromPodLabel(label);
    const key = ip === null ? null : addressKey(ip);
    if (key === null) return named;
    const svcRel = rel.slice(dot + 1);
    const found: NameEntry[] = [];
    for (const e of listOf(this.#reverse.get(key)) ?? []) {
      if (!(e instanceof EndpointAddress) || e.label !== null || e.svcRel !== svcRel || dashedIP(e.addr) !== label) continue;
      if (named?.some((n) => n.owner === e.owner)) continue;
      found.push(e);
    }
    return found.length === 0 ? named : [...(named ?? []), ...found];
  }

  /**
   * Follows the CNAME of `first` through our forward zones, as CoreDNS does for an ExternalName whose
   * target is in the cluster zone: the chain, then the last name's records (and SRV glue), its rcode
   * (NXDOMAIN when the target does not exist, RFC 6604) and, without records, its SOA (RFC 2308).
   * A target outside our zones ends the chain for the client's resolver to follow; so do a loop and
   * `maxCnameChain` CNAMEs followed.
   */
  #chase(name: string, first: ZoneAnswer, type: string): ZoneAnswer {
    const answers = [...first.answers];
    const seen = new Set([name]);
    let target = onlyCname(first);
    for (let followed = 0; target !== null && followed < maxCnameChain; followed++) {
      const zone = this.zoneOf(target);
      if (zone === null || isReverseZone(zone) || seen.has(target)) break;
      seen.add(target);
      const next = this.#lookup(target, target, zone, type);
      target = onlyCname(next);
      answers.push(...next.answers);
      if (target === null) return { rcode: next.rcode, authoritative: true, answers, authorities: next.authorities, additionals: next.additionals };
    }
    return { ...first, answers };
  }

  /**
   * The zone's SOA at the current serial: one object shared by every negative answer until the next
   * change, rather than one per answer (a cache holds thousands of them). Nothing changes it in place.
   */
  #soa(zone: string): Answer {
    const had = this.#soas.get(zone);
    if (had !== undefined && had.serial === this.#serial) return had.soa;
    const ttl = this.options.ttl;
    const soa: Answer = {
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
    this.#soas.set(zone, { serial: this.#serial, soa });
    return soa;
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

  #reverseAnswer(name: string, asked: string, zone: string, type: string): ZoneAnswer {
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
      // The specification's CNAME, answered for every type; `answer` follows it into our zones.
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
