import { describe, expect, it } from 'vitest';
import type { V1EndpointSlice, V1Namespace, V1ObjectMeta, V1Pod, V1Service } from '@kubernetes/client-node';
import { namespaceRecordSet, podRecordSet, serviceRecordSet } from '@halo/zone';
import { lastChangeTriggerTimeAnnotation, sliceSourceTime } from './cluster-state.ts';
import { slimEndpointSlice, slimNamespace, slimPod, slimService } from './slim-objects.ts';

// What an API server adds that the zone never reads.
const noise = {
  uid: '4f1c2d3e-0000-4000-8000-000000000001',
  creationTimestamp: new Date('2026-12-01T10:00:00Z'),
  managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }],
};
const meta = (name: string, extra: Partial<V1ObjectMeta> = {}): V1ObjectMeta => ({ name, namespace: 'shop', resourceVersion: '42', ...noise, ...extra });

const services: { what: string; service: V1Service }[] = [
  {
    what: 'ClusterIP, dual-stack, named ports',
    service: {
      metadata: meta('web', { labels: { app: 'web', tier: 'front' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }),
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10', 'fd00::a'],
        ipFamilies: ['IPv4', 'IPv6'],
        selector: { app: 'web' },
        sessionAffinity: 'None',
        ports: [
          { name: 'HTTP', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
        ],
      },
      status: { loadBalancer: {} },
    },
  },
  {
    what: 'headless, not-ready endpoints published by the old annotation',
    service: {
      metadata: meta('db', { annotations: { 'service.alpha.kubernetes.io/tolerate-unready-endpoints': 'true', other: 'x' } }),
      spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] },
    },
  },
  { what: 'ExternalName', service: { metadata: meta('ext'), spec: { type: 'ExternalName', externalName: 'Example.COM.' } } },
  { what: 'publishNotReadyAddresses', service: { metadata: meta('st'), spec: { clusterIP: 'None', publishNotReadyAddresses: true } } },
];

const slices = (service: string): V1EndpointSlice[] => [
  {
    metadata: meta(`${service}-b`, {
      labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      annotations: { [lastChangeTriggerTimeAnnotation]: '2026-12-01T10:00:05Z', other: 'y' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: service, uid: 'u' }],
    }),
    addressType: 'IPv4',
    ports: [
      { name: 'http', protocol: 'TCP', port: 8080 },
      { name: 'all', protocol: 'TCP' },
    ],
    endpoints: [
      {
        addresses: ['10.0.0.2'],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: 'n1',
        zone: 'a',
        targetRef: { kind: 'Pod', name: 'Web-1', namespace: 'shop', uid: 'p1' },
      },
      { addresses: ['10.0.0.3'], conditions: { ready: false }, hostname: 'Web-2' },
      { addresses: ['10.0.0.4'] },
    ],
  },
  {
    metadata: meta(`${service}-a`, { labels: { 'kubernetes.io/service-name': service } }),
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.1'], conditions: {} }],
  },
  {
    metadata: meta(`${service}-fqdn`, { labels: { 'kubernetes.io/service-name': service } }),
    addressType: 'FQDN',
    endpoints: [{ addresses: ['example.com'] }],
  },
];

describe('slim objects answer as the whole ones', () => {
  it.each(services)('Service: $what', ({ service }) => {
    const name = service.metadata?.name ?? '';
    const whole = serviceRecordSet(service, slices(name));
    expect(serviceRecordSet(slimService(service), slices(name).map(slimEndpointSlice))).toEqual(whole);
  });

  it('EndpointSlice: the same source time, its Service, nothing of the API server', () => {
    const [slice] = slices('web') as [V1EndpointSlice];
    const slim = slimEndpointSlice(slice);
    expect(sliceSourceTime('update', slim, 0)).toBe(sliceSourceTime('update', slice, 0));
    expect(sliceSourceTime('update', slim, 0)).toBe(Date.parse('2026-12-01T10:00:05Z'));
    expect(slim.metadata).toEqual({
      name: 'web-b',
      namespace: 'shop',
      resourceVersion: '42',
      labels: { 'kubernetes.io/service-name': 'web' },
      annotations: { [lastChangeTriggerTimeAnnotation]: '2026-12-01T10:00:05Z' },
    });
    expect(slim.endpoints?.[0]).toEqual({ addresses: ['10.0.0.2'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'Web-1' } });
  });

  it.each<{ what: string; namespace: V1Namespace }>([
    { what: 'with labels', namespace: { metadata: { name: 'shop', labels: { team: 'a' }, ...noise }, spec: { finalizers: ['kubernetes'] } } },
    { what: 'without labels', namespace: { metadata: { name: 'bare' } } },
  ])('Namespace: $what', ({ namespace }) => {
    expect(namespaceRecordSet(slimNamespace(namespace))).toEqual(namespaceRecordSet(namespace));
  });

  it.each<{ what: string; pod: V1Pod }>([
    {
      what: 'running, dual-stack',
      pod: {
        metadata: meta('p1'),
        spec: { containers: [{ name: 'c' }] },
        status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.9' }, { ip: 'FD00::9' }] },
      },
    },
    {
      what: 'terminating',
      pod: { metadata: meta('p2', { deletionTimestamp: new Date('2026-12-01T10:01:00Z') }), status: { phase: 'Running', podIP: '10.0.0.8' } },
    },
    { what: 'succeeded', pod: { metadata: meta('p3'), status: { phase: 'Succeeded', podIP: '10.0.0.7' } } },
  ])('Pod: $what', ({ pod }) => {
    expect(podRecordSet(slimPod(pod))).toEqual(podRecordSet(pod));
  });
});
