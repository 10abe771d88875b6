import { isIP } from 'node:net';
import { parseLabelSelector } from './labels.ts';
import { canonicalName } from './names.ts';
import { isZoneError, zoneError } from './types.ts';
import type { ZoneError, ZoneOptions } from './types.ts';

/** null when the options are usable; else what is wrong, for the Corefile's setup to report. */
export function validateZoneOptions(o: ZoneOptions): ZoneError | null {
  if (o.zones.length === 0) return zoneError('InvalidOptions', 'kubernetes: at least one zone is needed');
  for (const z of o.zones) {
    const n = canonicalName(z);
    if (n === '' || n.split('.').some((l) => l === '' || l.length > 63)) {
      return zoneError('InvalidOptions', `kubernetes: "${z}" is not a zone name`);
    }
  }
  if (!Number.isInteger(o.ttl) || o.ttl < 0 || o.ttl > 3600) {
    return zoneError('InvalidOptions', `kubernetes: ttl must be an integer from 0 to 3600, not ${o.ttl}`);
  }
  if (o.labels !== undefined) {
    const sel = parseLabelSelector(o.labels);
    if (isZoneError(sel)) return sel;
  }
  if (o.namespaceLabels !== undefined) {
    const sel = parseLabelSelector(o.namespaceLabels);
    if (isZoneError(sel)) return zoneError('InvalidOptions', `kubernetes: namespace_labels: ${sel.message}`);
    // As CoreDNS: two ways of choosing namespaces would leave it unclear which one wins.
    if (o.namespaces !== undefined && o.namespaces.length > 0)
      return zoneError('InvalidOptions', 'kubernetes: namespaces and namespace_labels cannot both be set');
  }
  for (const ip of o.nsAddresses) {
    if (isIP(ip) === 0) return zoneError('InvalidOptions', `kubernetes: the name server address "${ip}" is not an IP address`);
  }
  return null;
}
