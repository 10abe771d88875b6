// The DNS server: UDP and TCP on each configured port, the fast path, the plugin chains, reload.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import type { Answer } from 'dns-packet';
import {
  answerFromEncoded,
  decodeQuery,
  DEFAULT_UDP_SIZE,
  encodeResponse,
  errorReply,
  MAX_MESSAGE_SIZE,
  readWireQuestion,
  shuffleAnswersOnWire,
  wireQuestionName,
  uniformAnswers,
  type UniformAnswers,
  type DnsQuery,
  type WireQuestion,
} from '@halo/dns';
import type { CorefileError } from '@halo/corefile';
import { bindUdp, udpIo, type UdpEndpoint, type UdpHandler } from '@halo/udp';
import type { ResponseCache } from '@halo/cache';
import { buildConfig, closeConfig, matchBlock, runChain, servfail, type BlockChain, type ListenSpec, type RunningConfig } from './config.ts';
import { FastPath, WireSlab } from './fast-path.ts';
import { ServerScope } from './scope.ts';
import { counterChild, histogramChild, serverMetrics, typeLabel, type ServerMetrics } from './metrics.ts';
import { familyOf, TcpListener, tcpMetrics, type TcpLimits } from './tcp-listener.ts';
import { QuerySpans } from './query-spans.ts';
import type { DnsRequest, DnsResponse, PluginSetup, ServerContext } from './types.ts';

export interface LoadOptions {
  file?: string;
  /** The plugins, in the order they run; default: the registry of src/plugins.ts (wired in by index.ts). */
  plugins?: readonly PluginSetup[];
  context: ServerContext;
  /**
   * Overrides every block's port and bind address, e.g. the answerer's --dns-port. A list serves every
   * block on each address with the same plugin chains (one cache for all of them).
   */
  listen?: ListenSpec | readonly ListenSpec[];
  /** SO_REUSEPORT, so that several processes share a port (Linux). */
  reusePort?: boolean;
  /**
   * UDP I/O: `batched` (recvmmsg/sendmmsg, @halo/udp's addon), `dgram` (node:dgram), or `auto` (the
   * default: batched where the addon is built; HALO_UDP_IO=dgram forces dgram).
   */
  udpIo?: 'auto' | 'batched' | 'dgram';
  /** TCP: idle connections close after this long (default 10 s); the same as `tcp.idleMs`. */
  tcpIdleMs?: number;
  /** TCP: connections per listener (default 1000); the same as `tcp.maxConnections`. */
  tcpMaxConnections?: number;
  /** TCP limits (tcp-listener.ts, `defaultTcpLimits`): per client, per message, in flight, unsent bytes. */
  tcp?: Partial<TcpLimits>;
  /**
   * A span per query (the sampler decides which are kept). Off, a query costs one check of a field; the
   * apps turn it on when OTEL_TRACES_SAMPLER is set (`Telemetry.queryTracing`).
   */
  traceQueries?: boolean;
}

export interface DnsServer {
  addresses(): { host: string; port: number; transport: 'udp' | 'tcp' }[];
  /**
   * Builds the new chain beside the running one and swaps it in; keeps the last good config on error.
   * The text it already runs changes nothing (caches stay warm).
   */
  reload(corefileText: string): Promise<{ ok: true } | { ok: false; errors: CorefileError[] }>;
  close(): Promise<void>;
  /**
   * After `health { lameduck }` (answering as usual meanwhile), stops taking new queries and answers those
   * already received, then closes: UDP sockets leave their
   * SO_REUSEPORT group (the group's other sockets, e.g. a second node cache on the same address, get
   * every new query), TCP stops accepting. Waits at most `graceMs` (default 1000) for UDP answers in flight
   * (open TCP connections are closed with the server).
   * With node:dgram, where a socket cannot leave its group, queries queued in it at close are lost.
   */
  drain(graceMs?: number): Promise<void>;
  /**
   * Drops these names (every type, negative answers too) from the fast path and from every `cache`
   * plugin of the running configuration. Returns how many cache entries were dropped.
   */
  invalidate(names: string[]): number;
  /** The response caches of the running configuration's `cache` plugins; new instances after a reload. */
  caches(): ResponseCache[];
}

/** After a reload, how long the old chains may take to finish their queries before they are closed anyway. */
const DRAIN_MS = 5_000;
/** drain(): how long a leaving socket keeps reading before it may close. */
const DRAIN_SETTLE_MS = 100;

interface Listener {
  spec: ListenSpec;
  udp: UdpEndpoint;
  tcp: net.Server;
  port: number;
  connections: TcpListener;
}

/** Starts a server with these plugins (index.ts's loadServer gives the registry). */
export async function loadServerWith(
  plugins: readonly PluginSetup[],
  corefileText: string,
  options: LoadOptions,
): Promise<{ ok: true; server: DnsServer } | { ok: false; errors: CorefileError[] }> {
  const server = new Server(plugins, options);
  const result = await server.apply(corefileText);
  if (!result.ok) {
    await server.close();
    return result;
  }
  return { ok: true, server };
}

class Server implements DnsServer {
  private readonly file: string;
  private readonly plugins: readonly PluginSetup[];
  private readonly shared: ServerContext;
  /** What the plugins share across reloads (zone changes, indexes, HTTP routes). */
  private readonly scope: ServerScope;
  private readonly wireSlab = new WireSlab();
  private readonly options: LoadOptions;
  private readonly metrics: ServerMetrics;
  private readonly listeners = new Map<string, Listener>();
  /** UDP queries in the plugin chain (not answered at once), for drain. */
  private pendingUdp = 0;
  private config: RunningConfig | null = null;
  /** The text `config` was built from. */
  private corefileText: string | null = null;
  private fast = new FastPath<FastAnswer>();
  private closed = false;
  private applying: Promise<unknown> = Promise.resolve();
  private readonly children = new Map<string, MetricChildren>();
  /** Queries running on each configuration, so a reload closes the old plugins only once they are done. */
  private readonly inflight = new Map<RunningConfig, { count: number; drained: (() => void) | null }>();
  /** Null unless queries are traced. */
  private readonly spans: QuerySpans | null;

  constructor(plugins: readonly PluginSetup[], options: LoadOptions) {
    this.options = options;
    this.spans = options.traceQueries === true ? new QuerySpans() : null;
    this.plugins = plugins;
    this.file = options.file ?? 'Corefile';
    this.shared = { ...options.context, metrics: options.context.metrics ?? new Registry() };
    this.scope = new ServerScope(this.shared);
    this.metrics = serverMetrics(this.shared.metrics as Registry);
  }

  addresses(): { host: string; port: number; transport: 'udp' | 'tcp' }[] {
    const out: { host: string; port: number; transport: 'udp' | 'tcp' }[] = [];
    for (const l of this.listeners.values()) {
      out.push({ host: l.spec.host, port: l.port, transport: 'udp' }, { host: l.spec.host, port: l.port, transport: 'tcp' });
    }
    return out;
  }

  invalidate(names: string[]): number {
    this.fast.invalidate(names);
    let dropped = 0;
    for (const cache of this.caches()) dropped += cache.invalidate(names);
    return dropped;
  }

  caches(): ResponseCache[] {
    const out: ResponseCache[] = [];
    for (const { handler } of this.config?.handlers ?? []) if (handler.responseCache) out.push(handler.responseCache);
    return out;
  }

  reload(corefileText: string): Promise<{ ok: true } | { ok: false; errors: CorefileError[] }> {
    // One reload at a time, in order.
    const run = this.applying.then(() => this.apply(corefileText));
    this.applying = run.catch(() => undefined);
    return run;
  }

  async apply(corefileText: string): Promise<{ ok: true } | { ok: false; errors: CorefileError[] }> {
    if (this.closed) return { ok: false, errors: [{ file: this.file, line: 0, column: 0, message: 'the server is closed' }] };
    // The Corefile it runs already (as CoreDNS's reload sees it): new chains would only cool the caches
    // and, beside the running ones, hold a second zone index until the old ones close.
    if (this.config !== null && corefileText === this.corefileText) return { ok: true };
    const built = buildConfig(corefileText, {
      file: this.file,
      shared: this.shared,
      scope: this.scope,
      plugins: this.plugins,
      listen: this.options.listen,
      invalidate: (names) => this.fast.invalidate(names),
      boundPort: (key) => this.listeners.get(key)?.port ?? null,
    });
    if (!built.ok) return built;
    const next = built.config;
    const errors: CorefileError[] = [];
    for (const { handler, directive } of next.handlers) {
      if (!handler.start) continue;
      try {
        await handler.start();
      } catch (err) {
        errors.push({ ...directive.pos, message: `${handler.name}: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    const opened: string[] = [];
    if (errors.length === 0) {
      for (const [key, spec] of next.listens) {
        if (this.listeners.has(key)) continue;
        try {
          this.listeners.set(key, await this.listen(spec));
          opened.push(key);
        } catch (err) {
          errors.push({ file: this.file, line: 1, column: 1, message: `cannot listen on ${key}: ${err instanceof Error ? err.message : String(err)}` });
        }
      }
    }
    if (errors.length > 0) {
      for (const key of opened) await this.unlisten(key);
      await closeConfig(next);
      return { ok: false, errors };
    }
    // The swap: queries already running finish on the old chain, new ones take the new one.
    const previous = this.config;
    this.config = next;
    this.corefileText = corefileText;
    this.fast = new FastPath<FastAnswer>();
    for (const key of [...this.listeners.keys()]) if (!next.listens.has(key)) await this.unlisten(key);
    if (previous) {
      // Closing a forward mid-query would lose that query: let the old chains finish first.
      await this.finishQueries(previous, DRAIN_MS);
      await closeConfig(previous);
    }
    return { ok: true };
  }

  /** Waits until the queries running on this configuration have finished, at most timeoutMs. */
  private finishQueries(config: RunningConfig, timeoutMs: number): Promise<void> {
    const state = this.inflight.get(config);
    if (!state || state.count === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        state.drained = null;
        resolve();
      }, timeoutMs);
      state.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private enter(config: RunningConfig): void {
    const state = this.inflight.get(config);
    if (state) state.count++;
    else this.inflight.set(config, { count: 1, drained: null });
  }

  private leave(config: RunningConfig): void {
    const state = this.inflight.get(config);
    if (!state) return;
    state.count--;
    if (state.count > 0) return;
    this.inflight.delete(config);
    state.drained?.();
  }

  async drain(graceMs = 1_000): Promise<void> {
    if (this.closed) return;
    // health { lameduck }: answer as usual a while longer, as CoreDNS does, while the endpoints go.
    const lameduck = Math.max(0, ...(this.config?.handlers.map(({ handler }) => handler.lameduckMs ?? 0) ?? []));
    if (lameduck > 0) {
      this.shared.logger?.info({ lameduckMs: lameduck }, 'lameduck: answering a while longer before stopping');
      await sleep(lameduck);
      if (this.closed) return;
    }
    for (const l of this.listeners.values()) {
      l.udp.leave();
      l.tcp.close();
    }
    const deadline = performance.now() + graceMs;
    // What the kernel queued before the sockets left is read within the first loop turns.
    await sleep(Math.min(DRAIN_SETTLE_MS, graceMs));
    while (this.pendingUdp > 0 && performance.now() < deadline) await sleep(5);
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.applying;
    for (const key of [...this.listeners.keys()]) await this.unlisten(key);
    if (this.config) await closeConfig(this.config);
    this.config = null;
  }

  private async listen(spec: ListenSpec): Promise<Listener> {
    const reusePort = this.options.reusePort === true;
    const key = `${spec.host}:${spec.port}`;
    // With port 0, UDP picks the port and TCP follows; another process may hold it on TCP: retry.
    for (let attempt = 0; ; attempt++) {
      // The handler learns the port once bound (port 0 picks one); metrics label answers with it.
      const bound = { port: spec.port };
      const io = udpIo(this.options.udpIo);
      const udp = await bindUdp({ host: spec.host, port: spec.port, reusePort, io: io.io }, this.udpHandler(bound, key));
      if (io.io === 'dgram' && this.options.udpIo !== 'dgram') this.shared.logger?.warn({ listen: key, reason: io.reason }, 'udp: node:dgram, not the batched I/O');
      const port = (bound.port = udp.port);
      const tcp = net.createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ port, host: spec.host, reusePort }, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        await udp.close();
        if (spec.port === 0 && attempt < 10) continue;
        throw err;
      }
      return { spec, udp, tcp, port, connections: this.tcpListener(tcp, key, port) };
    }
  }

  private async unlisten(key: string): Promise<void> {
    const l = this.listeners.get(key);
    if (!l) return;
    this.listeners.delete(key);
    await l.udp.close();
    l.connections.closeAll();
    await new Promise<void>((resolve) => l.tcp.close(() => resolve()));
  }

  /** UDP queries of one listener: the fast path and cache hits at once, the plugin chain otherwise. */
  private udpHandler(l: { port: number }, key: string): UdpHandler {
    const log = this.shared.logger;
    return {
      answerNow: (query, family) => {
        const f = family === 6 ? '2' : '1';
        return this.answerFast(query, 'udp', key, l.port, f) ?? this.answerCached(query, 'udp', key, l.port, f);
      },
      answer: async (query, peer) => {
        this.pendingUdp++;
        try {
          const reply = await this.answer(query, 'udp', key, l.port, peer);
          return this.closed ? null : reply;
        } finally {
          this.pendingUdp--;
        }
      },
      onError: (err) => log?.error({ err, listen: key }, 'answering a udp query failed'),
    };
  }

  /** TCP queries of one listener, within the limits of tcp-listener.ts. */
  private tcpListener(tcp: net.Server, key: string, port: number): TcpListener {
    const o = this.options;
    const limits: Partial<TcpLimits> = { ...(o.tcpIdleMs !== undefined ? { idleMs: o.tcpIdleMs } : {}), ...(o.tcpMaxConnections !== undefined ? { maxConnections: o.tcpMaxConnections } : {}), ...o.tcp };
    return new TcpListener(
      tcp,
      {
        answerNow: (wire, family) => this.answerFast(wire, 'tcp', key, port, family) ?? this.answerCached(wire, 'tcp', key, port, family),
        answer: (wire, remote) => this.answer(wire, 'tcp', key, port, remote),
      },
      { limits, metrics: tcpMetrics(this.shared.metrics as Registry), logger: this.shared.logger, listen: key },
    );
  }

  private fastKey(q: WireQuestion, transport: 'udp' | 'tcp', listenKey: string): string {
    const size = transport === 'tcp' ? 't' : q.edns ? String(Math.min(q.edns.udpSize, DEFAULT_UDP_SIZE)) : 'u';
    return `${q.key}\0${q.edns ? (q.edns.dnssecOk ? 'D' : 'E') : 'N'}${size}\0${listenKey}`;
  }

  private answerFast(wire: Buffer, transport: 'udp' | 'tcp', listenKey: string, port: number, family: '1' | '2'): Buffer | null {
    if (this.fast.size === 0) return null;
    const q = readWireQuestion(wire);
    if (!q) return null;
    const entry = this.fast.get(this.fastKey(q, transport, listenKey));
    if (!entry) return null;
    const started = performance.now();
    const out = answerFromEncoded(entry.wire, wire, q);
    if (entry.shuffle) shuffleAnswersOnWire(out, entry.shuffle);
    this.metrics.fastPathAnswers.inc();
    // The metric children of this answer, per address family, found once.
    let c = family === '1' ? entry.children4 : entry.children6;
    if (!c) {
      c = this.childrenOf(listenKey, port, entry.zone, transport, family, entry.type, entry.rcode, entry.plugin);
      if (family === '1') entry.children4 = c;
      else entry.children6 = c;
    }
    record(c, wire.length, out.length, started);
    if (this.spans !== null) this.spans.answered(wire, out, transport, 'fast', started);
    return out;
  }

  /** The reply of a plugin that answers from the wire (a *cache* hit), or null: see BlockTraits.wire. */
  private answerCached(wire: Buffer, transport: 'udp' | 'tcp', listenKey: string, port: number, family: '1' | '2'): Buffer | null {
    if (this.config === null) return null;
    const started = performance.now();
    const q = readWireQuestion(wire);
    // ANY is answered by the server itself (RFC 8482), never from the wire.
    if (q === null || q.qtype === 255) return null;
    const name = wireQuestionName(q);
    const block = matchBlock(this.config.blocks, listenKey, name);
    const answerer = block?.traits.wire;
    if (!block || !answerer || !answerer.answerer.covers(name)) return null;
    const hit = answerer.answerer.reply(wire, q, transport);
    if (hit === null) return null;
    record(this.childrenOf(listenKey, port, block.zone, transport, family, hit.type, hit.rcode, answerer.plugin), wire.length, hit.reply.length, started);
    if (this.spans !== null) this.spans.answered(wire, hit.reply, transport, answerer.plugin, started);
    return hit.reply;
  }

  private async answer(wire: Buffer, transport: 'udp' | 'tcp', listenKey: string, port: number, remote: { address: string; port: number }): Promise<Buffer | null> {
    const started = performance.now();
    const config = this.config;
    const fast = this.fast;
    const generation = fast.generation;
    const decoded = decodeQuery(wire);
    if (!decoded.ok) {
      if (decoded.reply) this.observe(listenKey, port, '.', transport, remote.address, 'other', wire.length, decoded.reply, decoded.error.code === 'BADVERS' ? 'BADVERS' : decoded.error.code, '', started);
      return decoded.reply;
    }
    const query = decoded.query;
    const maxSize = transport === 'tcp' ? MAX_MESSAGE_SIZE : query.edns ? Math.min(query.edns.udpSize, DEFAULT_UDP_SIZE) : 512;
    const block = config ? matchBlock(config.blocks, listenKey, query.qnameLower) : null;
    let response: DnsResponse;
    let plugin = '';
    let fastPathable = false;
    if (!block) {
      response = { rcode: 'REFUSED', answers: [], authorities: [], additionals: [] };
    } else if (query.qtype === 'ANY') {
      response = rfc8482(query, authoritativeFor(block, query.qnameLower));
    } else {
      const req: DnsRequest = {
        id: query.id,
        qname: query.qname,
        qnameLower: query.qnameLower,
        qtype: query.qtype,
        qclass: query.qclass,
        query: query.packet,
        transport,
        remote,
        udpSize: query.edns ? query.edns.udpSize : 512,
        edns: query.edns !== null,
        dnssecOk: query.edns?.dnssecOk ?? false,
        zone: block.zone,
      };
      if (config) this.enter(config);
      try {
        const result = await runChain(block.handlers, req);
        response = result.response;
        plugin = result.plugin;
        // A logged block must see every query, so it never answers from the fast path.
        const traits = block.traits;
        // A block where a plugin must see every query never answers from the fast path.
        fastPathable = traits.writers.has(plugin) && (!result.replaced || traits.transparent) && !traits.everyQuery && response.authoritative === true && (response.rcode === 'NOERROR' || response.rcode === 'NXDOMAIN');
      } catch (err) {
        this.shared.logger?.error({ err, qname: query.qname, qtype: query.qtype }, 'plugin chain failed');
        this.metrics.panics.inc();
        response = servfail();
      } finally {
        if (config) this.leave(config);
      }
    }
    if (response.drop === true) {
      this.observe(listenKey, port, block?.zone ?? '.', transport, remote.address, typeLabel(query.qtype), wire.length, Buffer.alloc(0), response.rcode, plugin, started);
      return null;
    }
    let reply = encode(query, response.truncated === true ? { ...response, answers: [], authorities: [], additionals: [] } : response, maxSize, response.truncated === true);
    if (!reply.ok) {
      this.shared.logger?.error({ error: reply.error, qname: query.qname, qtype: query.qtype }, 'cannot encode the response');
      fastPathable = false;
      reply = encode(query, servfail(), maxSize);
      if (!reply.ok) return errorReply(wire, 'SERVFAIL');
    }
    const zone = block?.zone ?? '.';
    const type = typeLabel(query.qtype);
    // Store only if nothing changed while the chain ran (a reload or a zone change).
    if (fastPathable && config === this.config && fast === this.fast && generation === fast.generation) {
      const q = readWireQuestion(wire);
      // Answers a plugin shuffles (loadbalance) are stored only if the copies can be shuffled on the wire.
      const reordered = block !== null && block.traits.shuffles && shuffledByLoadbalance(response.answers);
      const shuffle = reordered ? uniformAnswers(reply.wire) : null;
      if (q && (!reordered || shuffle)) fast.set(this.fastKey(q, transport, listenKey), query.qnameLower, { wire: this.wireSlab.copy(reply.wire), zone, type, rcode: response.rcode, plugin, shuffle, children4: null, children6: null });
    }
    this.observe(listenKey, port, zone, transport, remote.address, type, wire.length, reply.wire, response.rcode, plugin, started);
    if (this.spans !== null) this.spans.answered(wire, reply.wire, transport, plugin || 'server', started, remote);
    return reply.wire;
  }

  private observe(listenKey: string, port: number, zone: string, proto: 'udp' | 'tcp', address: string, type: string, requestSize: number, reply: Buffer, rcode: string, plugin: string, started: number): void {
    record(this.childrenOf(listenKey, port, zone, proto, familyOf(address), type, rcode, plugin), requestSize, reply.length, started);
  }

  private childrenOf(listenKey: string, port: number, zone: string, proto: 'udp' | 'tcp', family: '1' | '2', type: string, rcode: string, plugin: string): MetricChildren {
    // prom-client hashes label objects on every call: keep the children per label set instead.
    const key = `${listenKey}|${port}|${zone}|${proto}|${family}|${type}|${rcode}|${plugin}`;
    let c = this.children.get(key);
    if (!c) {
      const host = listenKey.slice(0, listenKey.lastIndexOf(':'));
      const server = `dns://${host === '0.0.0.0' || host === '::' ? '' : host}:${port}`;
      const m = this.metrics;
      const z = zone === '.' ? '.' : `${zone}.`;
      c = {
        requests: counterChild(m.requests, { server, zone: z, view: '', proto, family, type }),
        responses: counterChild(m.responses, { server, zone: z, view: '', rcode, plugin }),
        duration: histogramChild(m.duration, { server, zone: z, view: '', type }),
        requestSize: histogramChild(m.requestSize, { server, zone: z, view: '', proto }),
        responseSize: histogramChild(m.responseSize, { server, zone: z, view: '', proto }),
      };
      if (this.children.size > 10_000) this.children.clear();
      this.children.set(key, c);
    }
    return c;
  }
}

/** True when `loadbalance` would reorder these answers (two or more A, AAAA or MX records). */
function shuffledByLoadbalance(answers: readonly Answer[]): boolean {
  let n = 0;
  for (const a of answers) if ((a.type === 'A' || a.type === 'AAAA' || a.type === 'MX') && ++n > 1) return true;
  return false;
}

function record(c: MetricChildren, requestSize: number, replySize: number, started: number): void {
  c.requests.inc();
  c.responses.inc();
  c.duration.observe((performance.now() - started) / 1000);
  c.requestSize.observe(requestSize);
  c.responseSize.observe(replySize);
}

interface MetricChildren {
  requests: { inc(): void };
  responses: { inc(): void };
  duration: { observe(v: number): void };
  requestSize: { observe(v: number): void };
  responseSize: { observe(v: number): void };
}

/** A pre-encoded answer with its metric labels and, for `loadbalance`, how to shuffle its copies. */
interface FastAnswer {
  wire: Buffer;
  zone: string;
  type: string;
  rcode: string;
  plugin: string;
  shuffle: UniformAnswers | null;
  children4: MetricChildren | null;
  children6: MetricChildren | null;
}


function encode(query: DnsQuery, response: DnsResponse, maxSize: number, tc = false) {
  return encodeResponse(
    {
      id: query.id,
      tc,
      rcode: response.rcode,
      aa: response.authoritative === true,
      ra: response.recursionAvailable === true,
      rd: query.rd,
      cd: query.cd,
      question: { name: query.qname, type: query.qtypeNumber, class: query.qclassNumber },
      answers: response.answers,
      authorities: response.authorities,
      additionals: response.additionals.filter((a) => a.type !== 'OPT'),
      edns: query.edns ? { dnssecOk: query.edns.dnssecOk } : null,
    },
    maxSize,
  );
}

/** RFC 8482 4.2: answer ANY with one synthesized HINFO instead of everything; AA in our own zones, as CoreDNS. */
function rfc8482(query: DnsQuery, authoritative: boolean): DnsResponse {
  const hinfo: Answer = { type: 'HINFO', name: query.qname, ttl: 8482, class: 'IN', data: { cpu: 'RFC8482', os: '' } };
  return { rcode: 'NOERROR', authoritative, answers: [hinfo], authorities: [], additionals: [] };
}

/** True when a plugin of the block is authoritative for a zone that holds the name. */
function authoritativeFor(block: BlockChain, qnameLower: string): boolean {
  return block.handlers.some((h) => h.authoritativeFor?.(qnameLower) === true);
}
