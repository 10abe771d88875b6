// Answering: the fast path of pre-encoded answers, replies from the wire (cache hits), and the plugin
// chain of the block a query falls in, with the metrics of each answer.
import type { Registry } from 'prom-client';
import type { Answer } from 'dns-packet';
import {
  decodeQuery,
  DEFAULT_UDP_SIZE,
  encodeResponse,
  errorReply,
  MAX_MESSAGE_SIZE,
  readWireQuestion,
  replyClass,
  scanWireQuestion,
  shuffleAnswersOnWire,
  WireScanScratch,
  writeAnswerFromEncoded,
  uniformAnswers,
  wireQuestionName,
  wireRecords,
  type UniformAnswers,
  type WireScan,
  type DnsQuery,
} from '@halo/dns';
import { matchBlock, runChain, servfail, type BlockChain, type RunningConfig } from './config.ts';
import { FastPath, hasRrsetOfMany, WireSlab } from './fast-path.ts';
import { counterChild, histogramChild, serverMetrics, typeLabel, type ServerMetrics } from './metrics.ts';
import type { QuerySpans } from './query-spans.ts';
import { familyOf } from './tcp-listener.ts';
import type { DnsRequest, DnsResponse, ServerContext, TtlCountdown } from './types.ts';

/** Where the answering reads the running configuration and tells which queries run on it (reload.ts). */
export interface ConfigSource {
  readonly config: RunningConfig | null;
  /** A query starts on `config`; `leave` when it is done (a reload closes the old plugins only after). */
  enter(config: RunningConfig): void;
  leave(config: RunningConfig): void;
}

export class Answering {
  private readonly shared: ServerContext;
  private readonly configs: ConfigSource;
  private readonly metrics: ServerMetrics;
  private readonly wireSlab = new WireSlab();
  private readonly children = new Map<string, MetricChildren>();
  /**
   * The metric children of wire replies, by the object that stands for their labels (WireAnswerer.reply),
   * for the listener, transport and family that last used them: a label key built per cache hit was
   * the largest allocation of a hit.
   */
  private readonly childrenByLabels = new WeakMap<
    object,
    { listenKey: string; transport: 'udp' | 'tcp'; family: '1' | '2'; zone: string; plugin: string; children: MetricChildren }
  >();
  /** Pre-encoded answers of the running configuration, replaced on each swap. */
  private fast = new FastPath<FastAnswer>();
  /** The scan of the query being answered at once: no object per query (nothing keeps it past the call). */
  private readonly scratch = new WireScanScratch();

  /** Null unless queries are traced. */
  private readonly spans: QuerySpans | null;

  constructor(shared: ServerContext, configs: ConfigSource, spans: QuerySpans | null = null) {
    this.shared = shared;
    this.configs = configs;
    this.spans = spans;
    this.metrics = serverMetrics(shared.metrics as Registry);
  }

  /** Drops these names from the fast path. */
  invalidate(names: string[]): void {
    this.fast.invalidate(names);
  }

  /** A new configuration runs: no pre-encoded answer of the old one stays. */
  swapped(): void {
    this.fast = new FastPath<FastAnswer>();
  }

  /** The fast path or a reply from the wire, at once; null: the query takes the chain (`answer`). */
  answerNow(wire: Buffer, transport: 'udp' | 'tcp', listenKey: string, port: number, family: '1' | '2'): Buffer | null {
    const r = this.answerNowInto(wire, transport, listenKey, port, family, null, 0, 0);
    return typeof r === 'number' ? null : r;
  }

  /**
   * answerNow, writing a fast-path reply straight into `out` from byte `at` where it fits in `room` bytes
   * (the UDP batch's send slot): its length then, else the reply as a Buffer, or null (the chain's).
   */
  answerNowInto(
    wire: Buffer,
    transport: 'udp' | 'tcp',
    listenKey: string,
    port: number,
    family: '1' | '2',
    out: Buffer | null,
    at: number,
    room: number,
  ): Buffer | number | null {
    // Read once for both: most queries are answered by the first.
    const q = scanWireQuestion(wire, this.scratch);
    if (q === null) return null;
    return this.answerFast(wire, q, transport, listenKey, port, family, out, at, room) ?? this.answerCached(wire, q, transport, listenKey, port, family);
  }

  private answerFast(
    wire: Buffer,
    q: WireScan,
    transport: 'udp' | 'tcp',
    listenKey: string,
    port: number,
    family: '1' | '2',
    into: Buffer | null,
    intoAt: number,
    room: number,
  ): Buffer | number | null {
    if (this.fast.size === 0) return null;
    const entry = this.fast.get(wire, q, replyClass(transport, q.edns), listenKey);
    if (!entry) return null;
    const started = performance.now();
    const countdown = entry.countdown;
    // An expired copy, or one its plugin dropped since, takes the chain (whose answer replaces it).
    if (countdown !== null && (started >= countdown.answerUntil || countdown.source.generation !== countdown.generation || countdown.entry?.replaced === true))
      return null;
    const length = entry.wire.length;
    const inPlace = into !== null && length <= room;
    const out = inPlace ? into : Buffer.allocUnsafe(length);
    const at = inPlace ? intoAt : 0;
    writeAnswerFromEncoded(entry.wire, wire, q, out, at);
    if (countdown !== null) {
      const ttl = Math.ceil((countdown.expiresAt - started) / 1000);
      for (let i = 0; i < countdown.ttlAt.length; i++) out.writeUInt32BE(ttl, at + countdown.ttlAt[i]);
      countdown.source.countHit(countdown.kind);
    }
    if (entry.shuffle) shuffleAnswersOnWire(out, entry.shuffle, Math.random, at);
    this.metrics.fastPathAnswers.inc();
    // The metric children of this answer, per address family, found once.
    let c = family === '1' ? entry.children4 : entry.children6;
    if (!c) {
      c = this.childrenOf(listenKey, port, entry.zone, transport, family, entry.type, entry.rcode, entry.plugin);
      if (family === '1') entry.children4 = c;
      else entry.children6 = c;
    }
    record(c, wire.length, length, started);
    // A countdown copy is its plugin's hit (a cache's), as the metrics count it.
    if (this.spans !== null)
      this.spans.answered(wire, inPlace ? out.subarray(at, at + length) : out, transport, countdown === null ? 'fast' : entry.plugin, started);
    return inPlace ? length : out;
  }

  /** The reply of a plugin that answers from the wire (a *cache* hit), or null: see BlockTraits.wire. */
  private answerCached(wire: Buffer, scan: WireScan, transport: 'udp' | 'tcp', listenKey: string, port: number, family: '1' | '2'): Buffer | null {
    const config = this.configs.config;
    // ANY is answered by the server itself (RFC 8482), never from the wire.
    if (config === null || scan.qtype === 255) return null;
    const started = performance.now();
    const q = readWireQuestion(wire, scan);
    if (q === null) return null;
    const name = wireQuestionName(q);
    const block = matchBlock(config.blocks, listenKey, name);
    const answerer = block?.traits.wire;
    if (!block || !answerer || !answerer.answerer.covers(name)) return null;
    const hit = answerer.answerer.reply(wire, q, transport);
    if (hit === null) return null;
    const labels = hit.labels;
    let kept = labels === undefined ? undefined : this.childrenByLabels.get(labels);
    if (
      kept === undefined ||
      kept.listenKey !== listenKey ||
      kept.transport !== transport ||
      kept.family !== family ||
      kept.zone !== block.zone ||
      kept.plugin !== answerer.plugin
    ) {
      kept = {
        listenKey,
        transport,
        family,
        zone: block.zone,
        plugin: answerer.plugin,
        children: this.childrenOf(listenKey, port, block.zone, transport, family, hit.type, hit.rcode, answerer.plugin),
      };
      if (labels !== undefined) this.childrenByLabels.set(labels, kept);
    }
    record(kept.children, wire.length, hit.reply.length, started);
    if (this.spans !== null) this.spans.answered(wire, hit.reply, transport, answerer.plugin, started);
    return hit.reply;
  }

  async answer(wire: Buffer, transport: 'udp' | 'tcp', listenKey: string, port: number, remote: { address: string; port: number }): Promise<Buffer | null> {
    const started = performance.now();
    const config = this.configs.config;
    const fast = this.fast;
    const generation = fast.generation;
    const decoded = decodeQuery(wire);
    if (!decoded.ok) {
      if (decoded.reply)
        this.observe(
          listenKey,
          port,
          '.',
          transport,
          remote.address,
          'other',
          wire.length,
          decoded.reply,
          decoded.error.code === 'BADVERS' ? 'BADVERS' : decoded.error.code,
          '',
          started,
        );
      return decoded.reply;
    }
    const query = decoded.query;
    const maxSize = transport === 'tcp' ? MAX_MESSAGE_SIZE : query.edns ? Math.min(query.edns.udpSize, DEFAULT_UDP_SIZE) : 512;
    const block = config ? matchBlock(config.blocks, listenKey, query.qnameLower) : null;
    let response: DnsResponse;
    let plugin = '';
    let fastPathable = false;
    let countdownFrom: TtlCountdown | null = null;
    /** The plugin a copy of this reply is counted to (a cache's copies are its hits). */
    let copyPlugin = '';
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
      if (config) this.configs.enter(config);
      try {
        const result = await runChain(block.handlers, req);
        response = result.response;
        plugin = result.plugin;
        // A logged block must see every query, so it never answers from the fast path.
        const traits = block.traits;
        // A block where a plugin must see every query never answers from the fast path.
        fastPathable =
          traits.writers.has(plugin) &&
          (!result.replaced || traits.transparent) &&
          !traits.everyQuery &&
          response.authoritative === true &&
          (response.rcode === 'NOERROR' || response.rcode === 'NXDOMAIN');
        // A reply of a plugin whose replies count their TTL down (a cache hit or a stored miss): kept as
        // its entry would be, whoever wrote the answer.
        const countdown = traits.countdown;
        if (
          !fastPathable &&
          countdown !== null &&
          response.countdown !== undefined &&
          response.countdown.unseenForMs > 0 &&
          response.truncated !== true &&
          (response.rcode === 'NOERROR' || response.rcode === 'NXDOMAIN')
        ) {
          fastPathable = true;
          countdownFrom = countdown.source;
          copyPlugin = countdown.plugin;
        }
      } catch (err) {
        this.shared.logger?.error({ err, qname: query.qname, qtype: query.qtype }, 'plugin chain failed');
        this.metrics.panics.inc();
        response = servfail();
      } finally {
        if (config) this.configs.leave(config);
      }
    }
    if (response.drop === true) {
      this.observe(
        listenKey,
        port,
        block?.zone ?? '.',
        transport,
        remote.address,
        typeLabel(query.qtype),
        wire.length,
        Buffer.alloc(0),
        response.rcode,
        plugin,
        started,
      );
      return null;
    }
    let reply = encode(
      query,
      response.truncated === true ? { ...response, answers: [], authorities: [], additionals: [] } : response,
      maxSize,
      response.truncated === true,
    );
    if (!reply.ok) {
      this.shared.logger?.error({ error: reply.error, qname: query.qname, qtype: query.qtype }, 'cannot encode the response');
      fastPathable = false;
      reply = encode(query, servfail(), maxSize);
      if (!reply.ok) return errorReply(wire, 'SERVFAIL');
    }
    const zone = block?.zone ?? '.';
    const type = typeLabel(query.qtype);
    // Store only if nothing changed while the chain ran (a reload or a zone change).
    if (fastPathable && config === this.configs.config && fast === this.fast && generation === fast.generation) {
      const q = scanWireQuestion(wire);
      // Answers a plugin shuffles (loadbalance) are stored only if the copies can be shuffled on the wire.
      // A cache's replies are shuffled on every hit too. A reply truncated to no answers (a headless
      // Service's SRV over 512-byte UDP) has nothing to shuffle.
      const reordered =
        block !== null &&
        reply.wire.readUInt16BE(6) > 0 &&
        ((block.traits.shuffles && shuffledByLoadbalance(response.answers)) || (countdownFrom !== null && hasRrsetOfMany(response.answers)));
      const shuffle = reordered ? uniformAnswers(reply.wire) : null;
      const countdown =
        countdownFrom === null || response.countdown === undefined ? null : countdownOf(countdownFrom, reply.wire, response, response.countdown, started);
      if (q && (!reordered || shuffle) && (countdownFrom === null || countdown !== null))
        fast.set(wire, q, replyClass(transport, q.edns), listenKey, query.qnameLower, {
          wire: this.wireSlab.copy(reply.wire),
          zone,
          type,
          rcode: response.rcode,
          plugin: countdownFrom === null ? plugin : copyPlugin,
          shuffle,
          children4: null,
          children6: null,
          countdown,
        });
    }
    this.observe(listenKey, port, zone, transport, remote.address, type, wire.length, reply.wire, response.rcode, plugin, started);
    if (this.spans !== null) this.spans.answered(wire, reply.wire, transport, plugin || 'server', started, remote);
    return reply.wire;
  }

  private observe(
    listenKey: string,
    port: number,
    zone: string,
    proto: 'udp' | 'tcp',
    address: string,
    type: string,
    requestSize: number,
    reply: Buffer,
    rcode: string,
    plugin: string,
    started: number,
  ): void {
    record(this.childrenOf(listenKey, port, zone, proto, familyOf(address), type, rcode, plugin), requestSize, reply.length, started);
  }

  private childrenOf(
    listenKey: string,
    port: number,
    zone: string,
    proto: 'udp' | 'tcp',
    family: '1' | '2',
    type: string,
    rcode: string,
    plugin: string,
  ): MetricChildren {
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
  /** Null for an answer that stays until invalidated; else a copy whose TTL counts down (Handler.ttlCountdown). */
  countdown: Countdown | null;
}

/** A pre-encoded reply of a plugin whose replies count their TTL down, living as its entry would. */
interface Countdown {
  source: TtlCountdown;
  /** The source's generation when the reply was made: another one drops the copy. */
  generation: number;
  /** performance.now() when the TTL reaches 0. */
  expiresAt: number;
  /** performance.now() until which the copy answers (its expiry, or when the plugin must see a hit: prefetch). */
  answerUntil: number;
  /** Offsets of every record's TTL (OPT's is no TTL). */
  ttlAt: number[];
  kind: 'success' | 'denial';
  /** The plugin's entry it copies, where the plugin tells: once replaced (a prefetch's refresh), the copy stops. */
  entry: { readonly replaced: boolean } | undefined;
}

/** A copy of this reply whose TTL counts down from `ttl`; null when it cannot be copied out faithfully. */
function countdownOf(source: TtlCountdown, wire: Buffer, response: DnsResponse, times: NonNullable<DnsResponse['countdown']>, now: number): Countdown | null {
  const records = wireRecords(wire);
  if (records === null) return null;
  return {
    source,
    generation: source.generation,
    expiresAt: now + times.expiresInMs,
    answerUntil: now + times.unseenForMs,
    ttlAt: records.filter((r) => r.type !== 41).map((r) => r.ttlAt),
    kind: response.rcode === 'NXDOMAIN' || response.answers.length === 0 ? 'denial' : 'success',
    entry: times.entry,
  };
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
