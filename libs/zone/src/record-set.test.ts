import { describe, expect, it } from 'vitest';
import { service, slice } from '../test/cluster.ts';
import { isZoneError, namespaceRecordSet, podRecordSet, recordSetsEqual, serviceRecordSet } from './index.ts';
import type { ServiceRecordSet } from './index.ts';

function svc(...args: Parameters<typeof serviceRecordSet>): ServiceRecordSet {
  const rs = serviceRecordSet(...args);
  if (isZoneError(rs)) throw new Error(rs.message);
  return rs;
}

describe('serviceRecordSet', () => {
  it('maps a ClusterIP Service and its slices, slices in name order', () => {
    const rs = svc(service({ name: 'web', clusterIP: '10.96.0.10', ports: [{ name: 'HTTP', port: 80 }], labels: { app: 'web' } }), [
      slice('web', 'web-b', [{ ip: '10.0.0.2', ready: false }], [{ name: 'http', port: 8080 }]),
      slice('web', 'web-a', [{ ip: '10.0.0.1', hostname: 'Web-0', pod: 'web-abc' }], [{ name: 'http', port: 8080 }]),
    ]);
    expect(rs).toEqual({
      kind: 'Service',
      namespace: 'shop',
      name: 'web',
      type: 'ClusterIP',
      clusterIPs: ['10.96.0.10'],
      ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
      publishNotReadyAddresses: false,
      labels: { app: 'web' },
      endpoints: [
        { addresses: ['10.0.0.1'], ready: true, hostname: 'web-0', podName: 'web-abc', ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] },
        { addresses: ['10.0.0.2'], ready: false, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] },
      ],
    });
  });

  it.each([
    ['dual-stack ClusterIP', service({ name: 's', clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1', 'fd00::1'] }), 'ClusterIP', ['10.0.0.1', 'fd00::1']],
    ['headless', service({ name: 's', clusterIP: 'None', clusterIPs: ['None'] }), 'Headless', []],
    ['NodePort is a ClusterIP Service', service({ name: 's', type: 'NodePort', clusterIP: '10.0.0.2' }), 'ClusterIP', ['10.0.0.2']],
    ['ExternalName', service({ name: 's', type: 'ExternalName', externalName: 'db.example.com' }), 'ExternalName', []],
  ] as const)('%s', (_title, s, type, ips) => {
    const rs = svc(s, []);
    expect(rs.type).toBe(type);
    expect(rs.clusterIPs).toEqual(ips);
  });

  it('leaves out slices of other Services and FQDN slices', () => {
    const fqdn = { ...slice('web', 'web-f', [{ ip: 'x.example.com' }]), addressType: 'FQDN' };
    const rs = svc(service({ name: 'web', clusterIP: '10.96.0.10' }), [slice('api', 'api-1', [{ ip: '10.0.0.9' }]), fqdn]);
    expect(rs.endpoints).toEqual([]);
  });

  it('takes a missing ready condition as ready, and the tolerate-unready annotation as publishNotReadyAddresses', () => {
    const s = service({ name: 'web', clusterIP: 'None' });
    s.metadata = { ...s.metadata, annotations: { 'service.alpha.kubernetes.io/tolerate-unready-endpoints': 'true' } };
    const rs = svc(s, [slice('web', 'w', [{ ip: '10.0.0.1' }])]);
    expect(rs.endpoints[0]?.ready).toBe(true);
    expect(rs.publishNotReadyAddresses).toBe(true);
  });

  it.each([
    ['no name', { metadata: { namespace: 'x' } }, 'InvalidService'],
    ['ExternalName without a name', service({ name: 's', type: 'ExternalName' }), 'InvalidService'],
    ['unknown protocol', service({ name: 's', clusterIP: '10.0.0.1', ports: [{ port: 1, protocol: 'ICMP' }] }), 'InvalidService'],
  ] as const)('returns an error value for %s', (_t, s, code) => {
    const rs = serviceRecordSet(s, []);
    expect(isZoneError(rs)).toBe(true);
    expect(isZoneError(rs) && rs.code).toBe(code);
    expect(isZoneError(rs) && rs.message.length).toBeGreaterThan(10);
  });
});

describe('namespaceRecordSet and podRecordSet', () => {
  it('maps a Namespace', () => {
    const rs = namespaceRecordSet({ metadata: { name: 'shop', labels: { team: 'a' } } });
    expect(rs).toEqual({ kind: 'Namespace', name: 'shop', labels: { team: 'a' } });
    expect(isZoneError(namespaceRecordSet({}))).toBe(true);
  });

  it.each([
    ['running, dual-stack', { phase: 'Running', podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] }, undefined, ['10.0.0.1', 'fd00::1']],
    ['podIP only', { phase: 'Running', podIP: '10.0.0.1' }, undefined, ['10.0.0.1']],
    ['pending, no IP yet', { phase: 'Pending' }, undefined, []],
    ['succeeded', { phase: 'Succeeded', podIP: '10.0.0.1' }, undefined, []],
    ['terminating', { phase: 'Running', podIP: '10.0.0.1' }, new Date(), []],
  ] as const)('maps a Pod: %s', (_t, status, deletionTimestamp, ips) => {
    const rs = podRecordSet({
      metadata: { name: 'p', namespace: 'shop', deletionTimestamp },
      status: { ...status, podIPs: 'podIPs' in status ? [...status.podIPs] : undefined },
    });
    expect(rs).toEqual({ kind: 'Pod', namespace: 'shop', name: 'p', ips });
  });

  it('returns an error value for a Pod without namespace', () => {
    expect(isZoneError(podRecordSet({ metadata: { name: 'p' } }))).toBe(true);
  });
});

describe('recordSetsEqual', () => {
  const a = svc(service({ name: 'web', clusterIP: '10.96.0.10', labels: { a: '1', b: '2' } }), [slice('web', 'w', [{ ip: '10.0.0.1' }])]);
  it('is true for the same content, whatever the key order (a KV round trip)', () => {
    const b = JSON.parse(JSON.stringify({ ...a, labels: { b: '2', a: '1' } })) as ServiceRecordSet;
    expect(recordSetsEqual(a, b)).toBe(true);
  });
  it('is false when an endpoint changes readiness', () => {
    const b = structuredClone(a);
    (b.endpoints[0] as { ready: boolean }).ready = false;
    expect(recordSetsEqual(a, b)).toBe(false);
  });
  it('is false across kinds', () => {
    expect(recordSetsEqual(a, { kind: 'Namespace', name: 'web', labels: {} })).toBe(false);
  });
});
