// A small cluster as Kubernetes objects, turned into record sets the way the watcher does it.
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type { Answer } from 'dns-packet';
import { isZoneError, namespaceRecordSet, podRecordSet, serviceRecordSet } from '../src/index.ts';
import type { RecordSet, ZoneAnswer } from '../src/index.ts';

interface SvcSpec {
  ns?: string;
  name: string;
  clusterIP?: string;
  clusterIPs?: string[];
  type?: string;
  externalName?: string;
  ports?: { name?: string; port: number; protocol?: string }[];
  publishNotReadyAddresses?: boolean;
  labels?: Record<string, string>;
}

export function service(s: SvcSpec): V1Service {
  return {
    metadata: { name: s.name, namespace: s.ns ?? 'shop', labels: s.labels ?? {} },
    spec: {
      type: s.type ?? 'ClusterIP',
      clusterIP: s.clusterIP,
      clusterIPs: s.clusterIPs,
      externalName: s.externalName,
      ports: s.ports,
      publishNotReadyAddresses: s.publishNotReadyAddresses,
    },
  };
}

interface EpSpec {
  ip: string | string[];
  ready?: boolean;
  hostname?: string;
  pod?: string;
}

export function slice(
  svc: string,
  name: string,
  endpoints: EpSpec[],
  ports: { name?: string; port: number; protocol?: string }[] = [],
  ns = 'shop',
): V1EndpointSlice {
  return {
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: endpoints.some((e) => String(e.ip).includes(':')) ? 'IPv6' : 'IPv4',
    ports,
    endpoints: endpoints.map((e) => ({
      addresses: Array.isArray(e.ip) ? e.ip : [e.ip],
      conditions: e.ready === undefined ? {} : { ready: e.ready },
      hostname: e.hostname,
      targetRef: e.pod ? { kind: 'Pod', name: e.pod, namespace: ns } : undefined,
    })),
  };
}

function must(rs: RecordSet | { code: string; message: string }): RecordSet {
  if (isZoneError(rs)) throw new Error(`${rs.code}: ${rs.message}`);
  return rs;
}

export function svcSet(s: SvcSpec, slices: V1EndpointSlice[] = []): RecordSet {
  return must(serviceRecordSet(service(s), slices));
}

export function nsSet(name: string, labels: Record<string, string> = {}): RecordSet {
  return must(namespaceRecordSet({ metadata: { name, labels } }));
}

export function podSet(ns: string, name: string, ips: string[]): RecordSet {
  return must(podRecordSet({ metadata: { name, namespace: ns }, status: { phase: 'Running', podIPs: ips.map((ip) => ({ ip })) } }));
}

/** The cluster most tables ask about. */
export function demoCluster(): RecordSet[] {
  const http = [{ name: 'http', port: 80 }, { name: 'https', port: 443 }, { port: 8080 }];
  return [
    nsSet('default'),
    nsSet('shop'),
    nsSet('other'),
    svcSet({ ns: 'default', name: 'kubernetes', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] }, [
      slice('kubernetes', 'kubernetes', [{ ip: '192.168.0.10' }], [{ name: 'https', port: 6443 }], 'default'),
    ]),
    svcSet({ name: 'web', clusterIP: '10.96.0.10', ports: http, labels: { app: 'web' } }, [
      slice(
        'web',
        'web-1',
        [
          { ip: '10.0.1.1', ready: true, pod: 'web-a' },
          { ip: '10.0.1.2', ready: false, pod: 'web-b' },
        ],
        http,
      ),
    ]),
    svcSet({ name: 'dual', clusterIP: '10.96.0.11', clusterIPs: ['10.96.0.11', 'fd00::11'], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
    svcSet({ name: 'db', clusterIP: 'None', labels: { app: 'db' } }, [
      slice('db', 'db-b-v6', [{ ip: 'fd00::2:1', hostname: 'db-0' }], [{ name: 'mysql', port: 3306 }]),
      slice(
        'db',
        'db-a-v4',
        [
          { ip: '10.0.2.1', hostname: 'db-0', ready: true },
          { ip: '10.0.2.2', hostname: 'db-1', ready: true },
          { ip: '10.0.2.3', pod: 'db-x' },
          { ip: '10.0.2.4', hostname: 'db-3', ready: false },
        ],
        [{ name: 'mysql', port: 3306 }],
      ),
      // Not this Service's slice: left out.
      slice('web', 'web-2', [{ ip: '10.0.9.9' }]),
    ]),
    svcSet({ name: 'ext', type: 'ExternalName', externalName: 'www.Example.com.' }),
    svcSet({ name: 'ghost', clusterIP: 'None' }, [slice('ghost', 'ghost-1', [{ ip: '10.0.4.1', ready: false }])]),
    svcSet({ name: 'warm', clusterIP: 'None', publishNotReadyAddresses: true }, [
      slice('warm', 'warm-1', [{ ip: '10.0.3.1', ready: false, hostname: 'warm-0' }]),
    ]),
    svcSet({ name: 'lonely', clusterIP: '10.96.0.12', ports: [{ name: 'http', port: 80 }] }),
    svcSet({ ns: 'other', name: 'web', clusterIP: '10.96.1.10', ports: [{ name: 'http', port: 80 }] }, [
      slice('web', 'web-o', [{ ip: '10.0.1.1', pod: 'web-a' }], [{ name: 'http', port: 80 }], 'other'),
    ]),
    podSet('shop', 'p1', ['10.0.5.5', 'fd00::5:5']),
  ];
}

/**
 * Each record set under the key the bus gives it (`zoneKey` of @halo/bus, which this lib cannot import), so
 * a test can replace or delete one by key; the index itself treats keys as opaque.
 */
export function keyed(sets: RecordSet[]): [string, RecordSet][] {
  return sets.map((rs) => [
    rs.kind === 'Service' ? `svc.${rs.namespace}.${rs.name}` : rs.kind === 'Namespace' ? `ns.${rs.name}` : `pod.${rs.namespace}.${rs.name}`,
    rs,
  ]);
}

/** One record as a line, zone-file style, so tables read like dig output. */
export function line(rr: Answer): string {
  const head = `${rr.name} ${'ttl' in rr ? rr.ttl : ''} ${rr.type}`;
  const d = 'data' in rr ? (rr.data as unknown) : undefined;
  if (rr.type === 'SRV') {
    const s = d as { priority: number; weight: number; port: number; target: string };
    return `${head} ${s.priority} ${s.weight} ${s.port} ${s.target}`;
  }
  if (rr.type === 'SOA') {
    const s = d as { mname: string; rname: string; refresh: number; retry: number; expire: number; minimum: number };
    return `${head} ${s.mname} ${s.rname} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
  }
  if (rr.type === 'TXT') return `${head} ${(d as string[]).map((s) => `"${s}"`).join(' ')}`;
  return `${head} ${String(d)}`;
}

export interface Shown {
  rcode: string;
  answers: string[];
  additionals?: string[];
  authorities?: string[];
}

/** A ZoneAnswer as the tables write it: additionals and authorities only when there are some (authorities always for no answer). */
export function show(a: ZoneAnswer | null): Shown | null {
  if (a === null) return null;
  const s: Shown = { rcode: a.rcode, answers: a.answers.map(line) };
  if (a.additionals.length > 0) s.additionals = a.additionals.map(line);
  if (a.answers.length === 0 || a.authorities.length > 0) s.authorities = a.authorities.map((r) => `${r.name} ${r.type}`);
  return s;
}
