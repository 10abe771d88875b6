// Serves the questions under FROM (and not under an `except` name) from the upstream pool.
import dnsPacket, { type Answer } from 'dns-packet';
import type { DnsRequest, DnsResponse, Handler, Next, ServerContext } from '../../plugin.ts';
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

/** The client's query on the wire; an EDNS option dns-packet cannot write is dropped rather than failing the query. */
function encodeQuery(req: DnsRequest): Buffer {
  const query = { ...req.query, type: 'query' as const, id: req.id };
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

  constructor(config: ForwardConfig, metrics: ForwardMetrics, logger?: ServerContext['logger']) {
    this.config = config;
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

  close(): void {
    this.pool.close();
  }
}
