// Who may ask: the first rule whose types and sources match a query decides; a query no rule matches is allowed.
import net from 'node:net';
import type { DnsRequest, DnsResponse, Handler, Next } from '../../plugin.ts';
import { inZone } from '../zones.ts';
import type { AclMetrics } from './metrics.ts';

export type AclAction = 'allow' | 'block' | 'filter' | 'drop';

export interface AclRule {
  action: AclAction;
  /** Empty: every type. */
  types: string[];
  /** null: every source. */
  sources: net.BlockList | null;
}

export interface AclConfig {
  zones: string[];
  rules: AclRule[];
  /** `dns://:53`: the `server` label of the metrics. */
  server: string;
}

/** `::ffff:10.0.0.1` is 10.0.0.1. */
function source(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:([0-9.]+)$/i.exec(address);
  if (mapped) return { address: mapped[1], family: 'ipv4' };
  return { address, family: net.isIPv6(address) ? 'ipv6' : 'ipv4' };
}

export class AclHandler implements Handler {
  readonly name = 'acl';
  readonly everyQuery = true;
  readonly config: AclConfig;
  private readonly metrics: AclMetrics;

  constructor(config: AclConfig, metrics: AclMetrics) {
    this.config = config;
    this.metrics = metrics;
  }

  /** The action for a query of this type from this address. */
  decide(qtype: string, address: string): AclAction {
    const from = source(address);
    for (const rule of this.config.rules) {
      if (rule.types.length > 0 && !rule.types.includes(qtype)) continue;
      if (rule.sources && !rule.sources.check(from.address, from.family)) continue;
      return rule.action;
    }
    return 'allow';
  }

  async serve(req: DnsRequest, next: Next): Promise<DnsResponse> {
    const zone = this.config.zones.find((z) => inZone(req.qnameLower, z));
    if (zone === undefined) return next(req);
    const action = this.decide(req.qtype.toUpperCase(), req.remote.address);
    const labels = { server: this.config.server, zone: zone === '.' ? '.' : `${zone}.`, view: '' };
    switch (action) {
      case 'allow':
        this.metrics.allowed.inc(labels);
        return next(req);
      case 'block':
        this.metrics.blocked.inc(labels);
        return { rcode: 'REFUSED', answers: [], authorities: [], additionals: [] };
      case 'filter':
        this.metrics.filtered.inc(labels);
        return { rcode: 'NOERROR', answers: [], authorities: [], additionals: [] };
      case 'drop':
        this.metrics.dropped.inc(labels);
        return { rcode: 'REFUSED', answers: [], authorities: [], additionals: [], drop: true };
    }
  }
}
