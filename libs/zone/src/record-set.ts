// Kubernetes objects → record sets: what the watcher stores, one KV key per object.
import type { V1EndpointSlice, V1Namespace, V1Pod, V1Service } from '@kubernetes/client-node';
import { zoneError } from './types.ts';
import type { Endpoint, NamespaceRecordSet, PodRecordSet, RecordSet, ServicePort, ServiceRecordSet, ZoneError } from './types.ts';

export const serviceNameLabel = 'kubernetes.io/service-name';
/** The older way of asking for `publishNotReadyAddresses`, still honoured. */
export const tolerateUnreadyAnnotation = 'service.alpha.kubernetes.io/tolerate-unready-endpoints';

function protocolOf(p: string | undefined): ServicePort['protocol'] | null {
  const v = p ?? 'TCP';
  return v === 'TCP' || v === 'UDP' || v === 'SCTP' ? v : null;
}

export function serviceRecordSet(service: V1Service, slices: V1EndpointSlice[]): ServiceRecordSet | ZoneError {
  const name = service.metadata?.name;
  const namespace = service.metadata?.namespace;
  if (!name || !namespace) {
    return zoneError('InvalidService', 'a Service needs metadata.name and metadata.namespace');
  }
  const id = `Service ${namespace}/${name}`;
  const spec = service.spec ?? {};
  const ports: ServicePort[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = protocolOf(p.protocol);
    if (!protocol) return zoneError('InvalidService', `${id}: port ${p.port} has unknown protocol "${p.protocol}"`);
    ports.push({ name: (p.name ?? '').toLowerCase(), protocol, port: p.port });
  }
  let type: ServiceRecordSet['type'];
  let clusterIPs: string[] = [];
  let externalName: string | undefined;
  if (spec.type === 'ExternalName') {
    type = 'ExternalName';
    const ext = (spec.externalName ?? '').replace(/\.$/, '').toLowerCase();
    if (ext === '') return zoneError('InvalidService', `${id}: type ExternalName without spec.externalName`);
    externalName = ext;
  } else if (spec.clusterIP === 'None') {
    type = 'Headless';
  } else {
    type = 'ClusterIP';
    const ips = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
    clusterIPs = ips.filter((ip) => ip !== '' && ip !== 'None').map((ip) => ip.toLowerCase());
  }
  const publishNotReadyAddresses = spec.publishNotReadyAddresses === true || service.metadata?.annotations?.[tolerateUnreadyAnnotation] === 'true';

  // Slices of another Service are left out rather than failing the whole Service: a stale cache may pass one.
  const own = slices
    .filter(
      (s) =>
        s.metadata?.labels?.[serviceNameLabel] === name &&
        (s.metadata?.namespace === undefined || s.metadata.namespace === namespace) &&
        s.addressType !== 'FQDN',
    )
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const endpoints: Endpoint[] = [];
  for (const slice of own) {
    const slicePorts: ServicePort[] = [];
    for (const p of slice.ports ?? []) {
      const protocol = protocolOf(p.protocol);
      // A port without a number stands for "all ports" in EndpointSlices; it has no SRV record.
      if (!protocol || p.port === undefined || p.port === null) continue;
      slicePorts.push({ name: (p.name ?? '').toLowerCase(), protocol, port: p.port });
    }
    for (const e of slice.endpoints ?? []) {
      const endpoint: Endpoint = {
        addresses: (e.addresses ?? []).map((a) => a.toLowerCase()),
        // The API says a missing `ready` is unknown and consumers should take it as ready.
        ready: e.conditions?.ready ?? true,
        ports: slicePorts,
      };
      if (e.hostname) endpoint.hostname = e.hostname.toLowerCase();
      if (e.targetRef?.kind === 'Pod' && e.targetRef.name) endpoint.podName = e.targetRef.name.toLowerCase();
      endpoints.push(endpoint);
    }
  }
  const rs: ServiceRecordSet = {
    kind: 'Service',
    namespace,
    name,
    type,
    clusterIPs,
    ports,
    publishNotReadyAddresses,
    labels: { ...(service.metadata?.labels ?? {}) },
    endpoints,
  };
  if (externalName !== undefined) rs.externalName = externalName;
  return rs;
}

export function namespaceRecordSet(ns: V1Namespace): NamespaceRecordSet | ZoneError {
  const name = ns.metadata?.name;
  if (!name) return zoneError('InvalidNamespace', 'a Namespace needs metadata.name');
  return { kind: 'Namespace', name, labels: { ...(ns.metadata?.labels ?? {}) } };
}

export function podRecordSet(pod: V1Pod): PodRecordSet | ZoneError {
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (!name || !namespace) return zoneError('InvalidPod', 'a Pod needs metadata.name and metadata.namespace');
  const phase = pod.status?.phase;
  // As CoreDNS: terminating and finished pods answer nothing (`pods verified`).
  const gone = pod.metadata?.deletionTimestamp != null || phase === 'Succeeded' || phase === 'Failed' || phase === 'Unknown';
  const ips = gone
    ? []
    : pod.status?.podIPs && pod.status.podIPs.length > 0
      ? pod.status.podIPs.map((p) => p.ip.toLowerCase())
      : pod.status?.podIP
        ? [pod.status.podIP.toLowerCase()]
        : [];
  return { kind: 'Pod', namespace, name, ips };
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  // Keys with the value undefined are absent in JSON: compare as absent.
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

/** True when the two record sets would answer the same (the watcher writes only on change). */
export function recordSetsEqual(a: RecordSet, b: RecordSet): boolean {
  return deepEqual(a, b);
}
