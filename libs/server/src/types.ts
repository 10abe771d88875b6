// The contract between the server and its plugins (shared with the engineers of forward, hosts,
// rewrite, template and cache). Keep these names and shapes; add fields, never remove them.
import type { Answer, Packet } from 'dns-packet';
import type { Registry } from 'prom-client';
import type { CorefileError, Directive, ServerBlock } from '@halo/corefile';
import type { RecordSet } from '@halo/zone';
import type { ResponseCache } from '@halo/cache';
import type { WireQuestion } from '@halo/dns';
import type { ServerScope } from './scope.ts';

export type { CorefileError, Directive, ServerBlock };

export interface DnsRequest {
  id: number;
  /** As asked, no trailing dot ('.' for the root). */
  qname: string;
  qnameLower: string;
  qtype: string;
  qclass: string;
  query: Packet;
  transport: 'udp' | 'tcp';
  remote: { address: string; port: number };
  /** The client's EDNS size, or 512. */
  udpSize: number;
  edns: boolean;
  dnssecOk: boolean;
  /** The zone of the server block that matched. */
  zone: string;
}

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'FORMERR' | 'NOTIMP';

export interface DnsResponse {
  rcode: Rcode;
  authoritative?: boolean;
  recursionAvailable?: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** Send nothing (acl `drop`, rrl over its rate): UDP gets no reply, a TCP connection is closed. */
  drop?: boolean;
  /** Set TC and send no records, so the client asks again over TCP (rrl's slip). */
  truncated?: boolean;
  /**
   * Set by a plugin that declares `ttlCountdown`: every record's TTL counts down to expiry in
   * `expiresInMs` from now, and copies of the reply may answer for `unseenForMs` (the core then writes the
   * TTL left into every record, as the plugin would), unless its `entry` is replaced first (the plugin
   * holds a newer answer: a prefetch's).
   */
  countdown?: { expiresInMs: number; unseenForMs: number; entry?: { readonly replaced: boolean } };
  /**
   * Set by a `fastPathWriter` on its own answers: they stay current until it reports a change. A cache in
   * front keeps no copy of them (the core keeps its own, pre-encoded, and drops it with the change).
   */
  live?: boolean;
}

export type Next = (req: DnsRequest) => Promise<DnsResponse>;

export interface Handler {
  name: string;
  serve(req: DnsRequest, next: Next): Promise<DnsResponse>;
  close?(): Promise<void> | void;
  /** Awaited before the server answers (bind a port, warm up); a failure is reported as a CorefileError. */
  start?(): Promise<void>;
  /** For the `ready` plugin: false while the plugin cannot answer yet (e.g. kubernetes before sync). */
  ready?(): boolean;
  /** For `health { lameduck }`: how long a draining server keeps answering as usual before it stops. */
  lameduckMs?: number;
  /**
   * The plugin must see every query of its block (acl, rrl): the block never answers from pre-encoded
   * answers or a cache's wire copies, which skip the chain.
   */
  everyQuery?: boolean;

  // What the core needs to know of a plugin, declared by the plugin: the core names none.
  /**
   * Its authoritative NOERROR/NXDOMAIN answers stay the same until it reports a change (`invalidate`,
   * `scope.zoneChanged`): the core keeps them pre-encoded and answers from them (*kubernetes*, *hosts*).
   */
  fastPathWriter?: boolean;
  /**
   * It leaves a response from downstream as the next identical question would get it again, and needs to
   * see no query it does not answer: pre-encoded answers and cache hits may pass it. *loadbalance* is, as
   * the core shuffles the copies (`shufflesAnswers`); *log*, *rewrite* and *cache* are not.
   */
  transparent?: boolean;
  /** It reorders A/AAAA/MX answers on every query: pre-encoded copies are shuffled on the wire. */
  shufflesAnswers?: boolean;
  /**
   * Its replies that carry `DnsResponse.ttl` may be kept pre-encoded by the core and answered ahead of the
   * chain with the TTL left, until it reaches 0 or `generation` changes: the copies live as its own
   * entries would (*cache*, when no prefetch or serve_stale needs to see each hit and expiry).
   */
  ttlCountdown?: TtlCountdown;
  /** It answers some queries straight from their wire form, ahead of the chain (*cache* hits). */
  wire?: WireAnswerer;
  /** True when it is authoritative for a zone that holds the name (ANY answers carry AA then). */
  authoritativeFor?(qnameLower: string): boolean;
  /** The response cache it keeps, reached by DnsServer.caches() and invalidate(). */
  responseCache?: ResponseCache;
}

/** What a plugin whose replies count their TTL down offers the core; see Handler.ttlCountdown. */
export interface TtlCountdown {
  /** Changes whenever copies made before must go (a TTL cap, a zone dropped, everything cleared). */
  readonly generation: number;
  /** Counts a reply answered from a copy as the plugin's own hit. */
  countHit(kind: 'success' | 'denial'): void;
}

/** What a plugin that answers from the wire offers the core; see Handler.wire. */
export interface WireAnswerer {
  /** True when the plugin answers for this name (lowercase, no trailing dot). */
  covers(qnameLower: string): boolean;
  /**
   * The reply to this query and its metric labels, or null (the query takes the whole way). The
   * returned object may be reused by the next call. `labels`, where given, is an object that stands for
   * this rcode and type as long as it lives (e.g. the pre-encoded reply it was copied from): the core
   * then finds the metric children by it instead of building a label key per reply.
   */
  reply(query: Buffer, q: WireQuestion, transport: 'udp' | 'tcp'): { reply: Buffer; rcode: string; type: string; labels?: object } | null;
}

export interface Logger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  error(o: object, msg?: string): void;
}

export interface ServerContext {
  recordSets?: RecordSetSource;
  logger?: Logger;
  /** Path, default /etc/resolv.conf. */
  resolvConf?: string;
  metrics?: Registry;
  /** Hears the names every zone change touched, after the plugins (see ServerScope.zoneChanged). */
  onZoneChange?(names: string[]): void;
  /**
   * The addresses of `ns.dns.<zone>` (the target of the zone's NS record), answered by *kubernetes* for
   * A/AAAA and given in the additional section of NS answers (the answerer: --ns-address or its pod IP).
   */
  nsAddresses?: readonly string[];
  /**
   * The address health, ready and prometheus bind when their Corefile address names no host (`:9153`, or
   * none): the instance's --admin-host. Default 0.0.0.0, as CoreDNS.
   */
  httpHost?: string;
  /**
   * A plugin found that the server must not go on (CoreDNS's log.Fatal, e.g. *loop*). Without it: the
   * message on stderr and exit code 1, as CoreDNS.
   */
  fatal?(message: string): void;
  /**
   * What *prometheus* serves when this process's `metrics` are not the whole story: the answerer's
   * workers give the sum over all of them, whichever worker takes the scrape. Without it, `metrics`.
   */
  metricsText?(): Promise<{ contentType: string; body: string }>;
  /**
   * Monotonic reads, the node cache's side: `forward` asks its upstreams for at least the revision this
   * gives for a name, and tells it which revision each answer came from (docs/architecture.md).
   */
  revisionFloor?: RevisionFloor;
}

/** The least zone revision an answer for a name may come from (the node cache's, in @halo/cache). */
export interface RevisionFloor {
  /** The least revision for the name; null for names outside the zones it keeps (no option is sent). */
  of(qnameLower: string): number | null;
  /** An answer for the name came from this revision: no later answer may come from an older one. */
  answered(qnameLower: string, revision: number): void;
}

/** What the answerer gives the `kubernetes` plugin: the record sets of KV halo-zone. */
export interface RecordSetSource {
  entries(): Iterable<[string, RecordSet]>;
  subscribe(listener: (key: string, rs: RecordSet | null) => void): () => void;
  readonly synced: boolean;
  /**
   * The source holds a complete zone (KV halo-zone: the watcher's marker of a complete sync is in).
   * Until then `kubernetes` denies nothing: what it would answer NXDOMAIN or NODATA gets SERVFAIL,
   * which no cache keeps and which sends a forwarder to its next upstream. Absent: `synced` decides.
   */
  readonly complete?: boolean;
}

export interface SetupContext {
  file: string;
  serverBlock: ServerBlock;
  shared: ServerContext;
  /** What the server owns and shares with its plugins across reloads: zone changes, indexes, HTTP routes. */
  scope: ServerScope;
  onClose(fn: () => void | Promise<void>): void;
  /** Drops pre-encoded answers of these names (the fast path); plugins that answer from data call it on change. */
  invalidate?(names: string[]): void;
  /** Every handler of the running configuration (all blocks), for `ready`. Valid once setup is done. */
  handlers?(): readonly Handler[];
  /** The handlers of this server block, in the order they run. Valid once setup is done. */
  blockHandlers?(): readonly Handler[];
  /** The addresses this server block listens on, ports as bound (port 0 resolved); valid once the server listens. */
  listening?(): { host: string; port: number }[];
}

export interface PluginSetup {
  name: string;
  setup(d: Directive, ctx: SetupContext): Handler | CorefileError[];
  /** At most one directive of this plugin per server block (CoreDNS's "can only be used once"). */
  once?: boolean;
}
