// Answers the cluster zones from a ZoneIndex kept in step with the record sets of KV halo-zone.
import { namesOf, ZoneIndex, type RecordSet, type ZoneOptions } from '@halo/zone';
import type { DnsResponse, Handler, RecordSetSource } from '../../types.ts';

export interface KubernetesHandler extends Handler {
  index: ZoneIndex;
}

export interface KubernetesDeps {
  /** Zones where NXDOMAIN passes the question on (['.'] for all); null: never. */
  fallthrough: string[] | null;
  source?: RecordSetSource;
  invalidate?(names: string[]): void;
  onZoneChange?(names: string[]): void;
}

function inZones(name: string, zones: readonly string[]): boolean {
  return zones.some((z) => z === '.' || name === z || name.endsWith(`.${z}`));
}

export function kubernetesHandler(options: ZoneOptions, deps: KubernetesDeps): KubernetesHandler {
  const index = new ZoneIndex(options);
  const held = new Map<string, RecordSet>();
  let unsubscribe: (() => void) | null = null;
  const source = deps.source;
  if (source) {
    for (const [key, rs] of source.entries()) {
      index.put(key, rs);
      held.set(key, rs);
    }
    unsubscribe = source.subscribe((key, rs) => {
      const previous = held.get(key);
      if (rs) {
        index.put(key, rs);
        held.set(key, rs);
      } else {
        index.delete(key);
        held.delete(key);
      }
      // The index changed in this same turn: drop the pre-encoded answers before the next query.
      const names = [...(previous ? namesOf(previous, options) : []), ...(rs ? namesOf(rs, options) : [])];
      if (names.length > 0) {
        deps.invalidate?.(names);
        deps.onZoneChange?.(names);
      }
    });
  }
  return {
    name: 'kubernetes',
    index,
    ready: () => source?.synced ?? true,
    async serve(req, next): Promise<DnsResponse> {
      const a = index.answer({ name: req.qname, type: req.qtype });
      if (!a) return next(req);
      if (a.rcode === 'NXDOMAIN' && deps.fallthrough && inZones(req.qnameLower, deps.fallthrough)) return next(req);
      if (a.rcode !== 'NOERROR' && a.rcode !== 'NXDOMAIN') return { rcode: a.rcode, answers: [], authorities: [], additionals: [] };
      return { rcode: a.rcode, authoritative: a.authoritative, answers: a.answers, authorities: a.authorities, additionals: a.additionals };
    },
    close() {
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
