import { describe, expect, it } from 'vitest';
import type { RecordSet } from '@halo/zone';
import { sharePorts } from './store.ts';

const port = (name: string, p: number) => ({ name, protocol: 'TCP' as const, port: p });

describe('sharePorts', () => {
  it('lets endpoints with equal port lists share one, and changes nothing else', () => {
    const rs: RecordSet = {
      kind: 'Service',
      namespace: 'shop',
      name: 'web',
      type: 'ClusterIP',
      clusterIPs: ['10.96.0.10'],
      ports: [],
      publishNotReadyAddresses: false,
      labels: {},
      endpoints: [
        { addresses: ['10.0.0.1'], ready: true, ports: [port('http', 80)] },
        { addresses: ['10.0.0.2'], ready: true, ports: [port('http', 80)] },
        { addresses: ['10.0.0.3'], ready: true, ports: [port('http', 8080)] },
      ],
    };
    const before = structuredClone(rs);
    const out = sharePorts(rs);
    expect(out).toEqual(before);
    if (out.kind !== 'Service') throw new Error('not a service');
    expect(out.endpoints[1]?.ports).toBe(out.endpoints[0]?.ports);
    expect(out.endpoints[2]?.ports).not.toBe(out.endpoints[0]?.ports);
  });

  it('lets the Services of one zone share equal lists, their own ones too', () => {
    const service = (name: string, ports: ReturnType<typeof port>[]): RecordSet => ({
      kind: 'Service',
      namespace: 'shop',
      name,
      type: 'ClusterIP',
      clusterIPs: ['10.96.0.10'],
      ports,
      publishNotReadyAddresses: false,
      labels: {},
      endpoints: [{ addresses: ['10.0.0.1'], ready: true, ports: [port('http', 80)] }],
    });
    const known = new Map();
    const web = sharePorts(service('web', [port('http', 80)]), known);
    const api = sharePorts(service('api', [port('http', 80)]), known);
    if (web.kind !== 'Service' || api.kind !== 'Service') throw new Error('not a service');
    expect(api).toEqual(service('api', [port('http', 80)]));
    expect(api.ports).toBe(web.ports);
    expect(api.endpoints[0]?.ports).toBe(web.ports);
  });
});
