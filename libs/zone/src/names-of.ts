// The names a record set answers for, and the names a change touches: what the watcher publishes on
// halo.zone.changed and what an answerer drops its pre-encoded answers for. One definition for both.
import { contributionOf, forwardNamesOf } from './contribution.ts';
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
  const rels: string[] = forwardNamesOf(c);
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

/**
 * The names a change of one key touches: every name the old record set answered for and every name the
 * new one does (either may be absent: a create, a delete), each once, the old one's first.
 */
export function namesTouched(previous: RecordSet | null | undefined, next: RecordSet | null | undefined, options: ZoneOptions): string[] {
  const names = new Set(previous ? namesOf(previous, options) : []);
  if (next) for (const name of namesOf(next, options)) names.add(name);
  return [...names];
}
