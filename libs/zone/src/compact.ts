// Record sets as a reader holds them. JSON gives every endpoint an object, an array for its one address
// and its own copy of its slice's ports: at 100 000 endpoints that is ~11 MB an answerer (and the
// watcher's copy of the bucket) keeps for a list read only when its Service changes. Compacted, a
// Service's endpoints are columns behind a read-only array view that makes each endpoint when it is read.
import type { Endpoint, RecordSet, ServicePort, ServiceRecordSet } from './types.ts';

/** Distinct port lists kept for sharing at most; past it the table starts over (lists in use stay shared). */
const sharedPortListsLimit = 10_000;

/** Endpoints in columns: one entry per endpoint in each. */
class EndpointColumns implements ProxyHandler<Endpoint[]> {
  /** One address (the usual case) as the string itself, several as their array. */
  readonly #addresses: (string | readonly string[])[];
  /** Bit 0: ready; the bits above: the index of its port list in #portLists. */
  readonly #flags: number[];
  readonly #portLists: (readonly ServicePort[])[];
  /** Only when some endpoint has one. */
  readonly #hostnames: (string | undefined)[] | null;
  readonly #podNames: (string | undefined)[] | null;

  constructor(endpoints: readonly Endpoint[], share: (ports: readonly ServicePort[]) => readonly ServicePort[]) {
    const n = endpoints.length;
    this.#addresses = new Array<string | readonly string[]>(n);
    this.#flags = new Array<number>(n);
    this.#portLists = [];
    this.#hostnames = endpoints.some((e) => e.hostname !== undefined) ? new Array<string | undefined>(n) : null;
    this.#podNames = endpoints.some((e) => e.podName !== undefined) ? new Array<string | undefined>(n) : null;
    for (let i = 0; i < n; i++) {
      const e = endpoints[i] as Endpoint;
      this.#addresses[i] = e.addresses.length === 1 ? (e.addresses[0] as string) : e.addresses;
      const ports = share(e.ports);
      let p = this.#portLists.indexOf(ports);
      if (p === -1) p = this.#portLists.push(ports) - 1;
      this.#flags[i] = (p << 1) | (e.ready ? 1 : 0);
      if (this.#hostnames) this.#hostnames[i] = e.hostname;
      if (this.#podNames) this.#podNames[i] = e.podName;
    }
  }

  get size(): number {
    return this.#addresses.length;
  }

  /** Endpoint `i` as JSON had it (same keys, same order); a new object at each read. */
  endpoint(i: number): Endpoint {
    const a = this.#addresses[i] as string | readonly string[];
    const f = this.#flags[i] as number;
    const e: Endpoint = { addresses: typeof a === 'string' ? [a] : [...a], ready: (f & 1) === 1, ports: this.#portLists[f >>> 1] as ServicePort[] };
    const hostname = this.#hostnames?.[i];
    if (hostname !== undefined) e.hostname = hostname;
    const podName = this.#podNames?.[i];
    if (podName !== undefined) e.podName = podName;
    return e;
  }

  /** The index a property key names, or -1. */
  #indexOf(key: string | symbol): number {
    if (typeof key !== 'string') return -1;
    const i = Number(key);
    return Number.isInteger(i) && i >= 0 && i < this.size && String(i) === key ? i : -1;
  }

  // The view's target is an empty array (so that Array.isArray holds); its length and elements come from
  // here, and Array.prototype's methods (iteration included) read them through the view.
  get(target: Endpoint[], key: string | symbol, receiver: unknown): unknown {
    if (key === 'length') return this.size;
    const i = this.#indexOf(key);
    return i === -1 ? Reflect.get(target, key, receiver) : this.endpoint(i);
  }

  has(target: Endpoint[], key: string | symbol): boolean {
    return this.#indexOf(key) !== -1 || Reflect.has(target, key);
  }

  getOwnPropertyDescriptor(target: Endpoint[], key: string | symbol): PropertyDescriptor | undefined {
    // `length` is the target's own, not configurable: reported as it is there but for its value.
    if (key === 'length') return { value: this.size, writable: true, enumerable: false, configurable: false };
    const i = this.#indexOf(key);
    return i === -1 ? Reflect.getOwnPropertyDescriptor(target, key) : { value: this.endpoint(i), writable: false, enumerable: true, configurable: true };
  }

  ownKeys(): (string | symbol)[] {
    const keys: string[] = [];
    for (let i = 0; i < this.size; i++) keys.push(String(i));
    keys.push('length');
    return keys;
  }

  // Read-only: the record set is shared by every reader.
  set(): boolean {
    return false;
  }

  defineProperty(): boolean {
    return false;
  }

  deleteProperty(): boolean {
    return false;
  }
}

/**
 * A record set in the form a reader keeps: equal port lists shared across the zone (`portLists` holds the
 * lists met so far, by their JSON; 100 000 endpoints of 10 000 Services hold a few hundred distinct
 * lists) and a Service's endpoints in columns behind a read-only array (`Array.isArray` holds; reading an
 * element makes it; writing throws in strict mode). Equal, as `recordSetsEqual` and `JSON.stringify` see
 * it, to what it was made from; takes the record set over (do not change it afterwards).
 */
export function compactRecordSet(rs: RecordSet, portLists: Map<string, readonly ServicePort[]> = new Map()): RecordSet {
  if (rs.kind !== 'Service') return rs;
  const share = (ports: readonly ServicePort[]): readonly ServicePort[] => {
    const key = JSON.stringify(ports);
    const had = portLists.get(key);
    if (had) return had;
    if (portLists.size >= sharedPortListsLimit) portLists.clear();
    portLists.set(key, ports);
    return ports;
  };
  const compact: ServiceRecordSet = { ...rs, ports: share(rs.ports) as ServicePort[] };
  if (rs.endpoints.length > 0) compact.endpoints = new Proxy<Endpoint[]>([], new EndpointColumns(rs.endpoints, share));
  return compact;
}
