// Every subject, bucket and key name of the bus, in one place: who writes a key and who reads it back
// build and parse it here, never by hand.
export const subjects = {
  /** The names one zone change touched; node caches drop them. */
  zoneChanged: 'halo.zone.changed',
} as const;

export const buckets = {
  /** One key per Kubernetes object (`svc.<ns>.<name>`, `ns.<name>`, `pod.<ns>.<name>`): its record set. */
  zone: 'halo-zone',
  /** Validated, versioned Corefile fragments (the config service writes, answerers and caches read). */
  config: 'halo-config',
  /** One key per answerer and node cache: the config version it runs, or its last error. */
  status: 'halo-status',
} as const;

/**
 * The key of KV `halo-zone` that marks a complete sync (`ZoneCompleteV1`), beside the record sets'
 * `svc.`, `ns.` and `pod.` keys. Readers answer only from a copy that holds it.
 */
export const zoneCompleteKey = 'zone.complete';

/** The Kubernetes object a key of KV `halo-zone` holds the record set of (a RecordSet is one too). */
export type ZoneObject =
  { kind: 'Service'; namespace: string; name: string } | { kind: 'Namespace'; name: string } | { kind: 'Pod'; namespace: string; name: string };

/** The zone key of an object: `svc.<ns>.<name>`, `ns.<name>`, `pod.<ns>.<name>`. */
export function zoneKey(object: ZoneObject): string {
  switch (object.kind) {
    case 'Service':
      return `svc.${object.namespace}.${object.name}`;
    case 'Namespace':
      return `ns.${object.name}`;
    case 'Pod':
      return `pod.${object.namespace}.${object.name}`;
  }
}

/**
 * The object a zone key stands for; null for any other key (the complete marker, a malformed key).
 * Namespace names hold no dot, so the namespace ends at the first one; a Pod's name may hold dots.
 */
export function parseZoneKey(key: string): ZoneObject | null {
  const dot = key.indexOf('.');
  if (dot <= 0) return null;
  const prefix = key.slice(0, dot);
  const rest = key.slice(dot + 1);
  if (prefix === 'ns') return rest !== '' && !rest.includes('.') ? { kind: 'Namespace', name: rest } : null;
  if (prefix !== 'svc' && prefix !== 'pod') return null;
  const split = rest.indexOf('.');
  if (split <= 0 || split === rest.length - 1) return null;
  const namespace = rest.slice(0, split);
  const name = rest.slice(split + 1);
  if (prefix === 'svc') return name.includes('.') ? null : { kind: 'Service', namespace, name };
  return { kind: 'Pod', namespace, name };
}

/** Keys of KV `halo-config`. */
export const configKeys = {
  /** The current version of a fragment. */
  fragment: (name: string): string => `fragment.${name}`,
  /** Every fragment's current version (a KV key filter). */
  fragments: 'fragment.*',
  /** The fragment name of a `fragment.<name>` key. */
  fragmentName: (key: string): string | null => (key.startsWith('fragment.') ? key.slice('fragment.'.length) : null),
  /** One version of a fragment, kept. */
  history: (name: string, version: number): string => `history.${name}.${version}`,
  /** Every kept version of a fragment (a KV key filter). */
  historyOf: (name: string): string => `history.${name}.*`,
  /** What the instances of one target run. */
  effective: (target: string): string => `effective.${target}`,
} as const;

/** The key of KV `halo-status` for one instance: `<target>.<instance>`. */
export function statusKey(target: string, instance: string): string {
  // Pod names may hold dots; a KV key token may not.
  return `${target}.${instance.replace(/[^A-Za-z0-9_=-]/g, '_')}`;
}
