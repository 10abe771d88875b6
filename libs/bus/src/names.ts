// Every subject and bucket name of the bus, in one place.
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
