// The Corefile the node cache runs when none is given: NodeLocal DNSCache's own, with the answerer pool
// (through the local pool relay) for the cluster and reverse zones, and a name the guard asks.
import type { HostPort } from './config.ts';

export interface GeneratedCorefileOptions {
  zone: string;
  /** Where the cluster-zone forward goes (the pool relay). */
  pool: HostPort;
  /** Empty: the resolv.conf path. */
  upstreams: HostPort[];
  resolvConf: string;
  port: number;
}

/** The name the node cache answers itself (whoami), for the guard's probes. */
export const PROBE_ZONE = 'node-cache.halo.invalid';

/** The zones whose answers come from the pool: capped while the bus is down, dropped when it returns. */
export function clusterZones(zone: string): string[] {
  return [zone, 'in-addr.arpa', 'ip6.arpa'];
}

const hp = (a: HostPort) => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

export function generateCorefile(o: GeneratedCorefileOptions): string {
  const keys = clusterZones(o.zone).map((z) => `${z}:${o.port}`).join(' ');
  const upstream = o.upstreams.length > 0 ? o.upstreams.map(hp).join(' ') : o.resolvConf;
  return `${keys} {
    errors
    cache {
        success 9984 30
        denial 9984 5
        prefetch 2
        serve_stale
    }
    forward . ${hp(o.pool)} {
        max_fails 0
        health_check 0
    }
}
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
