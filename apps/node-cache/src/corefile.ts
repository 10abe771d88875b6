// The Corefile the node cache runs when none is given: NodeLocal DNSCache's own, forwarding the cluster
// and reverse zones straight to the answerer pool (every answerer, a short per-try deadline), `.` to the
// node's resolvers, and a name the guard asks.
import { createHash } from 'node:crypto';
import type { HostPort } from './config.ts';

export interface GeneratedCorefileOptions {
  zone: string;
  /** The answerer pool. Empty (a Service with no ready endpoints yet): cluster-zone misses get SERVFAIL. */
  answerers: HostPort[];
  /** Per-try deadline before the query goes to the next answerer. */
  tryTimeoutMs: number;
  forceTcp: boolean;
  /** Empty: the resolv.conf path. */
  upstreams: HostPort[];
  resolvConf: string;
  port: number;
  /** Picks which answerers this node uses when there are more than `forward` takes (its instance name). */
  spreadKey?: string;
}

/** The name the node cache answers itself (whoami), for the guard's probes. */
export const PROBE_ZONE = 'node-cache.halo.invalid';

/** `forward` takes at most this many upstreams. */
export const MAX_ANSWERERS = 15;

/** The zones whose answers come from the pool: capped while the bus is down, dropped when it returns. */
export function clusterZones(zone: string): string[] {
  return [zone, 'in-addr.arpa', 'ip6.arpa'];
}

const hp = (a: HostPort) => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

/**
 * At most MAX_ANSWERERS of the pool, chosen by a hash of the spread key and each address, so that
 * different nodes use different answerers of a big pool, and one node keeps its choice as the pool changes.
 */
export function pickAnswerers(answerers: readonly HostPort[], spreadKey = ''): HostPort[] {
  if (answerers.length <= MAX_ANSWERERS) return [...answerers];
  const rank = (a: HostPort) =>
    createHash('sha1')
      .update(`${spreadKey}|${hp(a)}`)
      .digest('hex');
  return [...answerers].sort((a, b) => (rank(a) < rank(b) ? -1 : 1)).slice(0, MAX_ANSWERERS);
}

/** Tries of one query: enough for about TRY_BUDGET_MS of try_timeouts, and two per answerer at least. */
export function connectAttempts(answerers: number, tryTimeoutMs: number): number {
  return Math.max(2 * answerers, Math.ceil(TRY_BUDGET_MS / Math.max(1, tryTimeoutMs)));
}

const TRY_BUDGET_MS = 1_000;

function poolForward(o: GeneratedCorefileOptions): string {
  const answerers = pickAnswerers(o.answerers, o.spreadKey);
  if (answerers.length === 0) return '    # no answerer known yet: misses get SERVFAIL, cached answers are served stale\n';
  // round_robin spreads the node's queries over the pool; a silent answerer costs a query one try_timeout.
  // Tries for about a second (at least two per answerer), not two passes only: with one answerer hung and
  // another slow for a moment, a third pass still answers well within a stub resolver's patience.
  return `    forward . ${answerers.map(hp).join(' ')} {
        policy round_robin
        try_timeout ${o.tryTimeoutMs}ms
        max_connect_attempts ${connectAttempts(answerers.length, o.tryTimeoutMs)}
        health_check 0.5s
${o.forceTcp ? '        force_tcp\n' : ''}    }
`;
}

export function generateCorefile(o: GeneratedCorefileOptions): string {
  const keys = clusterZones(o.zone)
    .map((z) => `${z}:${o.port}`)
    .join(' ');
  const upstream = o.upstreams.length > 0 ? o.upstreams.map(hp).join(' ') : o.resolvConf;
  return `${keys} {
    errors
    cache {
        success 9984 30
        denial 9984 5
        prefetch 2
        serve_stale
    }
${poolForward(o)}}
.:${o.port} {
    errors
    cache 30
    forward . ${upstream}
}
${PROBE_ZONE}:${o.port} {
    whoami
}
`;
}
