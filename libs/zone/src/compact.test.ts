import { describe, expect, it } from 'vitest';
import { compactRecordSet } from './compact.ts';
import { namesOf } from './names-of.ts';
import { recordSetsEqual } from './record-set.ts';
import { defaultZoneOptions } from './types.ts';
import type { Endpoint, RecordSet, ServicePort, ServiceRecordSet } from './types.ts';
import { ZoneIndex } from './zone-index.ts';

const port = (name: string, p: number, protocol: ServicePort['protocol'] = 'TCP'): ServicePort => ({ name, protocol, port: p });

function service(name: string, type: ServiceRecordSet['type'], endpoints: Endpoint[], extra: Partial<ServiceRecordSet> = {}): ServiceRecordSet {
  return {
    kind: 'Service',
    namespace: 'shop',
    name,
    type,
    clusterIPs: type === 'ClusterIP' ? ['10.96.0.10', 'fd00::10'] : [],
    ports: [port('http', 80), port('dns', 53, 'UDP')],
    publishNotReadyAddresses: false,
    labels: { app: name },
    endpoints,
    ...extra,
  };
}

const cases: [string, RecordSet][] = [
  [
    'a ClusterIP Service, one address an endpoint, one of them not ready',
    service('web', 'ClusterIP', [
      { addresses: ['10.0.0.1'], ready: true, ports: [port('http', 80)] },
      { addresses: ['10.0.0.2'], ready: false, ports: [port('http', 80)] },
    ]),
  ],
  [
    'a headless Service of a StatefulSet: hostnames, pod names, two slices with other ports',
    service('db', 'Headless', [
      { addresses: ['10.0.1.1'], ready: true, ports: [port('pg', 5432)], hostname: 'db-0', podName: 'db-0' },
      { addresses: ['10.0.1.2'], ready: true, ports: [port('pg', 5432)], hostname: 'db-1', podName: 'db-1' },
      { addresses: ['10.0.1.3'], ready: true, ports: [port('pg', 5433)], podName: 'db-2' },
    ]),
  ],
  [
    'endpoints with several addresses, and one with none',
    service('multi', 'Headless', [
      { addresses: ['10.0.2.1', '10.0.2.2'], ready: true, ports: [] },
      { addresses: [], ready: true, ports: [] },
      { addresses: ['fd00::2:3'], ready: true, ports: [] },
    ]),
  ],
  ['a Service without endpoints', service('empty', 'ClusterIP', [])],
  ['an ExternalName Service', service('ext', 'ExternalName', [], { externalName: 'example.org' })],
  ['a Namespace', { kind: 'Namespace', name: 'shop', labels: { team: 'a' } }],
  ['a Pod', { kind: 'Pod', namespace: 'shop', name: 'p', ips: ['10.0.0.9'] }],
];

describe('compactRecordSet', () => {
  it.each(cases)('%s: equal to what it was made from, to every reader', (_label, rs) => {
    const original = structuredClone(rs);
    const compact = compactRecordSet(structuredClone(rs));
    expect(recordSetsEqual(compact, original)).toBe(true);
    expect(recordSetsEqual(original, compact)).toBe(true);
    expect(JSON.stringify(compact)).toBe(JSON.stringify(original));
    if (compact.kind !== 'Service' || original.kind !== 'Service') return;
    const endpoints = compact.endpoints;
    expect(Array.isArray(endpoints)).toBe(true);
    expect(endpoints.length).toBe(original.endpoints.length);
    expect([...endpoints]).toEqual(original.endpoints);
    expect(endpoints.map((e) => e.addresses.join(','))).toEqual(original.endpoints.map((e) => e.addresses.join(',')));
    expect(Object.keys(endpoints)).toEqual(Object.keys(original.endpoints));
    expect(endpoints[original.endpoints.length]).toBeUndefined();
    for (let i = 0; i < endpoints.length; i++) expect(endpoints[i]).toEqual(original.endpoints[i]);
  });

  it.each(cases)('%s: the index answers and names it the same', (_label, rs) => {
    const options = defaultZoneOptions({ endpointPodNames: true });
    const plain = new ZoneIndex(options, () => 0);
    const compact = new ZoneIndex(options, () => 0);
    plain.put('k', structuredClone(rs));
    compact.put('k', compactRecordSet(structuredClone(rs)));
    const names = namesOf(rs, options);
    expect(namesOf(compactRecordSet(structuredClone(rs)), options)).toEqual(names);
    for (const name of [...names, 'no-such.shop.svc.cluster.local', '1.0.0.10.in-addr.arpa', '1.1.0.10.in-addr.arpa']) {
      for (const type of ['A', 'AAAA', 'SRV', 'PTR', 'ANY']) expect(compact.answer({ name, type })).toEqual(plain.answer({ name, type }));
    }
  });

  it('is read-only: an endpoint cannot be replaced, added or taken away', () => {
    const compact = compactRecordSet(service('web', 'ClusterIP', [{ addresses: ['10.0.0.1'], ready: true, ports: [] }]));
    if (compact.kind !== 'Service') throw new Error('not a service');
    const endpoints = compact.endpoints;
    expect(() => (endpoints[0] = { addresses: ['10.9.9.9'], ready: true, ports: [] })).toThrow(TypeError);
    expect(() => endpoints.push({ addresses: ['10.9.9.9'], ready: true, ports: [] })).toThrow(TypeError);
    expect(() => endpoints.pop()).toThrow(TypeError);
    expect(endpoints[0]?.addresses).toEqual(['10.0.0.1']);
  });

  it('lets endpoints with equal port lists share one', () => {
    const compact = compactRecordSet(
      service('web', 'ClusterIP', [
        { addresses: ['10.0.0.1'], ready: true, ports: [port('http', 80)] },
        { addresses: ['10.0.0.2'], ready: true, ports: [port('http', 80)] },
        { addresses: ['10.0.0.3'], ready: true, ports: [port('http', 8080)] },
      ]),
    );
    if (compact.kind !== 'Service') throw new Error('not a service');
    expect(compact.endpoints[1]?.ports).toBe(compact.endpoints[0]?.ports);
    expect(compact.endpoints[2]?.ports).not.toBe(compact.endpoints[0]?.ports);
  });

  it('lets the Services of one zone share equal lists, their own ones too', () => {
    const known = new Map<string, readonly ServicePort[]>();
    const one = (name: string) =>
      service(name, 'ClusterIP', [{ addresses: ['10.0.0.1'], ready: true, ports: [port('http', 80)] }], { ports: [port('http', 80)] });
    const web = compactRecordSet(one('web'), known);
    const api = compactRecordSet(one('api'), known);
    if (web.kind !== 'Service' || api.kind !== 'Service') throw new Error('not a service');
    expect(recordSetsEqual(api, one('api'))).toBe(true);
    expect(api.ports).toBe(web.ports);
    expect(api.endpoints[0]?.ports).toBe(web.ports);
  });
});
