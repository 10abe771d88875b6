// The names a record set answers for: what the watcher publishes on change so caches drop them.
import { contributionOf } from './contribution.ts';
import { canonicalName, dashedIP, isReverseZone, reverseName } from './names.ts';
import type { RecordSet, ZoneOptions } from './types.ts';

/**
 * Lowercase, without trailing dot, in every forward zone; PTR names in the configured reverse zones.
 * The visibility filters (namespaces, labels, ignore empty_service) are left out on purpose: a
 * superset is safe for invalidation, and a name hidden by a filter still may sit in a cache.
 */
export function namesOf(rs: RecordSet, options: ZoneOptions): string[] {
  const zones = options.zones.map(canonicalName);
  const forwardZones = zones.filter((z) => !isReverseZone(z));
  const reverseZones = zones.filter(isReverseZone);
  const c = contributionOf('', rs, { options, selector: null, filter: false });
  const rels: string[] = [...c.forward.keys()];
  if (rs.kind === 'Namespace' || rs.kind === 'Service') rels.push(`${rs.kind === 'Namespace' ? rs.name : rs.namespace}.svc`.toLowerCase());
  if (options.pods !== 'disabled') {
    if (rs.kind === 'Namespace') rels.push(`${rs.name.toLowerCase()}.pod`);
    if (rs.kind === 'Pod') for (const ip of rs.ips) rels.push(`${dashedIP(ip)}.${rs.namespace.toLowerCase()}.pod`);
  }
  const out = new Set<string>();
  for (const z of forwardZones) for (const rel of rels) out.add(`${rel}.${z}`);
  for (const address of c.reverse.keys()) {
    const name = reverseName(address);
    if (name && reverseZones.some((z) => name === z || name.endsWith(`.${z}`))) out.add(name);
  }
  return [...out];
}
