import type { Answer } from 'dns-packet';

// The contract between the watcher (writes record sets to KV) and the answerers (index them).
// Record sets are plain JSON: they travel through JetStream KV.

export type RecordSet = ServiceRecordSet | NamespaceRecordSet | PodRecordSet;

export interface ServicePort {
  name: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
}

export interface Endpoint {
  addresses: string[];
  ready: boolean;
  hostname?: string;
  /** targetRef.name when targetRef.kind is Pod */
  podName?: string;
  /** the ports of its EndpointSlice */
  ports: ServicePort[];
}

export interface ServiceRecordSet {
  kind: 'Service';
  namespace: string;
  name: string;
  type: 'ClusterIP' | 'Headless' | 'ExternalName';
  clusterIPs: string[];
  externalName?: string;
  ports: ServicePort[];
  publishNotReadyAddresses: boolean;
  labels: Record<string, string>;
  /** all slices, stable order (slices by name, endpoints as listed) */
  endpoints: Endpoint[];
}

export interface NamespaceRecordSet {
  kind: 'Namespace';
  name: string;
  labels: Record<string, string>;
}

export interface PodRecordSet {
  kind: 'Pod';
  namespace: string;
  name: string;
  /** empty for pods that are terminating or finished: they answer nothing */
  ips: string[];
}

export interface ZoneError {
  code: string;
  message: string;
}

export function zoneError(code: string, message: string): ZoneError {
  return { code, message };
}

export function isZoneError(x: unknown): x is ZoneError {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o['code'] === 'string' && typeof o['message'] === 'string' && !('kind' in o);
}

export interface ZoneOptions {
  /** e.g. ['cluster.local', 'in-addr.arpa', 'ip6.arpa']; the first non-reverse one is the cluster domain */
  zones: string[];
  /** TTL of every record (CoreDNS default 5; kubeadm's Corefile sets 30) */
  ttl: number;
  pods: 'insecure' | 'verified' | 'disabled';
  /** endpoint_pod_names: an endpoint without hostname is named after its pod */
  endpointPodNames: boolean;
  /** only these namespaces are exposed (CoreDNS `namespaces`); undefined or empty: all */
  namespaces?: string[];
  /** label selector on Services (CoreDNS `labels`), e.g. "app=web,tier!=db" */
  labels?: string;
  /**
   * label selector on Namespaces (CoreDNS `namespace_labels`): only namespaces whose Namespace object is
   * in the index and matches are exposed; their Services, Pods and PTRs, nothing of the others
   */
  namespaceLabels?: string;
  /** `ignore empty_service`: a ClusterIP Service without ready endpoints does not exist */
  ignoreEmptyService: boolean;
  /** `noendpoints`: endpoints are not served (no headless answers, no endpoint names) */
  noEndpoints: boolean;
  /** addresses of the name server `ns.dns.<zone>` (the NS target); CoreDNS uses its own addresses */
  nsAddresses: string[];
}

export function defaultZoneOptions(partial: Partial<ZoneOptions> = {}): ZoneOptions {
  return {
    zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'],
    ttl: 5,
    pods: 'disabled',
    endpointPodNames: false,
    ignoreEmptyService: false,
    noEndpoints: false,
    nsAddresses: [],
    ...partial,
  };
}

export interface Question {
  name: string;
  /** dns-packet type string: 'A', 'AAAA', 'SRV', 'PTR', 'TXT', 'SOA', 'NS', 'CNAME', 'ANY', ... */
  type: string;
}

export interface ZoneAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}
