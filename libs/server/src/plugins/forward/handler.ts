// Serves the questions under FROM (and not under an `except` name) from the upstream pool.
import { setTimeout as sleep } from 'node:timers/promises';
import dnsPacket, { type Answer } from 'dns-packet';
import { DEFAULT_UDP_SIZE, EDE_NOT_READY, readExtendedError, readRevision, REVISION_OPTION, withRevision } from '@halo/dns';
import type { DnsRequest, DnsResponse, Handler, Next, RevisionFloor, ServerContext } from '../../plugin.ts';
import { proxyName, type ForwardMetrics } from './metrics.ts';
import { responseRcode } from '../../proxy/connect.ts';
import { inZone } from '../zones.ts';
import { UpstreamPool, type UpstreamAddress, type UpstreamPoolOptions } from './upstream.ts';

export interface ForwardConfig {
  from: string;
  except: string[];
  upstreams: UpstreamAddress[];
  pool: UpstreamPoolOptions;
  /** 0: no limit. */
  maxConcurrent: number;
}

/** Rounds over the upstreams for an answer at the revision asked for, after the first. */
const STALE_ROUNDS = 2;

/**
 * How long every upstream may say it has not reached the revision yet (EDE 14) before the query is a
 * SERVFAIL, and the pause between rounds: an answerer whose watch died with a NATS server notices and
 * resumes it within a few hundred ms; stub resolvers wait seconds, so a late answer beats a failure.
 */
const NOT_READY_PATIENCE_MS = 1_000;
const NOT_READY_PAUSE_MS = 50;

const rcodes: DnsResponse['rcode'][] = ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'FORMERR', 'NOTIMP'];

function empty(rcode: DnsResponse['rcode']): DnsResponse {
  return { rcode, answers: [], authorities: [], additionals: [] };
}

/** An upstream's reply as the chain's response; the OPT record is the server's to write, so it is dropped. */
export function responseFromWire(reply: Buffer): DnsResponse {
  const packet = dnsPacket.decode(reply);
  const rcode = responseRcode(reply);
  return {
    rcode: rcodes.find((r) => r === rcode) ?? 'SERVFAIL',
    authoritative: packet.flag_aa,
    recursionAvailable: packet.flag_ra,
    answers: packet.answers ?? [],
    authorities: packet.authorities ?? [],
    additionals: (packet.additionals ?? []).filter((a: Answer) => a.type !== 'OPT'),
  };
}

/**
 * The client's query on the wire; an EDNS option dns-packet cannot write is dropped rather than failing
 * the query. With `least`, the query asks for at least that zone revision (an OPT record is added if
 * the client sent none).
 */
function encodeQuery(req: DnsRequest, least: number | null = null): Buffer {
  let query = { ...req.query, type: 'query' as const, id: req.id };
  // The revision option is the node cache's to send (below), never a client's to pass on.
  const additionals = (query.additionals ?? []).map((a) =>
    a.type === 'OPT' ? { ...a, options: (a.options ?? []).filter((o) => Number(o.code) !== REVISION_OPTION) } : a,
  );
  if (least !== null && !additionals.some((a) => a.type === 'OPT'))
    additionals.push({ type: 'OPT', name: '.', udpPayloadSize: DEFAULT_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] });
  query = { ...query, additionals };
  if (least !== null) return withRevision(encodeWithOptions(query), least);
  return encodeWithOptions(query);
}

function encodeWithOptions(query: dnsPacket.Packet): Buffer {
  try {
    return dnsPacket.encode(query);
  } catch {
    const additionals = (query.additionals ?? []).map((a) => (a.type === 'OPT' ? { ...a, options: [] } : a));
    return dnsPacket.encode({ ...query, additionals });
  }
}

export class ForwardHandler implements Handler {
  readonly name = 'forward';
  readonly transparent = true;
  readonly config: ForwardConfig;
  readonly pool: UpstreamPool;
  private inFlight = 0;
  private readonly metrics: ForwardMetrics;
  private readonly logger: ServerContext['logger'];
  private readonly revisionFloor: RevisionFloor | undefined;

  constructor(config: ForwardConfig, metrics: ForwardMetrics, logger?: ServerContext['logger'], revisionFloor?: RevisionFloor) {
    this.config = config;
    this.revisionFloor = revisionFloor;
    this.metrics = metrics;
    this.logger = logger;
    this.pool = new UpstreamPool(config.upstreams, config.pool, {
      response: (to, rcode, seconds) => metrics.requestDuration.observe({ proxy_name: proxyName, to, rcode }, seconds),
      healthCheckFailure: (to) => metrics.healthcheckFailures.inc({ proxy_name: proxyName, to }),
      connection: (to, proto, reused) => (reused ? metrics.connCacheHits : metrics.connCacheMisses).inc({ proxy_name: proxyName, to, proto }),
      broken: () => metrics.healthcheckBroken.inc(),
    });
  }

  async serve(req: DnsRequest, next: Next): Promise<DnsResponse> {
    if (!inZone(req.qnameLower, this.config.from) || this.config.except.some((e) => inZone(req.qnameLower, e))) return next(req);
    if (this.config.maxConcurrent > 0 && this.inFlight >= this.config.maxConcurrent) {
      this.metrics.maxConcurrentRejects.inc();
      return empty('REFUSED');
    }
    this.inFlight++;
    try {
      const least = this.revisionFloor?.of(req.qnameLower) ?? null;
      if (this.revisionFloor && least !== null) return await this.exchangeAtLeast(req, this.revisionFloor, least);
      const message = encodeQuery(req);
      const result = await this.pool.exchange(message, req.transport);
      if (!result.ok) {
        this.logger?.warn({ plugin: 'forward', qname: req.qname, qtype: req.qtype, code: result.error.code }, result.error.message);
        return empty('SERVFAIL');
      }
      return responseFromWire(result.response);
    } finally {
      this.inFlight--;
    }
  }

  /**
   * Monotonic reads (the node cache): the query asks for the name's revision floor; an answer from an
   * older revision (one that was on its way when a change was heard) is asked again, and the revision
   * of the answer taken raises the floor. Every answerer behind (REFUSED with EDE 14) is asked again
   * shortly, and after NOT_READY_PATIENCE_MS the query is a SERVFAIL.
   */
  private async exchangeAtLeast(req: DnsRequest, floor: RevisionFloor, least: number): Promise<DnsResponse> {
    const patientUntil = performance.now() + NOT_READY_PATIENCE_MS;
    let staleRounds = 0;
    for (;;) {
      const result = await this.pool.exchange(encodeQuery(req, least), req.transport);
      if (!result.ok) {
        this.logger?.warn({ plugin: 'forward', qname: req.qname, qtype: req.qtype, code: result.error.code }, result.error.message);
        return empty('SERVFAIL');
      }
      const from = readRevision(result.response);
      if (from === null) return responseFromWire(result.response);
      if (result.rcode === 'REFUSED' && readExtendedError(result.response) === EDE_NOT_READY) {
        if (performance.now() + NOT_READY_PAUSE_MS >= patientUntil) {
          this.logger?.warn(
            { plugin: 'forward', qname: req.qname, qtype: req.qtype, revision: from, least },
            `every upstream stayed behind the revision asked for for ${NOT_READY_PATIENCE_MS} ms`,
          );
          return empty('SERVFAIL');
        }
        await sleep(NOT_READY_PAUSE_MS);
        least = floor.of(req.qnameLower) ?? least;
        continue;
      }
      const now = floor.of(req.qnameLower) ?? least;
      if (from < now) {
        if (staleRounds++ < STALE_ROUNDS) {
          least = now;
          continue;
        }
        this.logger?.warn(
          { plugin: 'forward', qname: req.qname, qtype: req.qtype, revision: from, least: now },
          'no upstream has reached the revision asked for',
        );
        return empty('SERVFAIL');
      }
      floor.answered(req.qnameLower, from);
      return responseFromWire(result.response);
    }
  }

  close(): void {
    this.pool.close();
  }
}
