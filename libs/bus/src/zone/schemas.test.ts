import { describe, expect, it } from 'vitest';
import type { RecordSet } from '@halo/zone';
import { decodeZoneChanged, decodeZoneComplete, decodeZoneEntry, encodeZoneChanged, encodeZoneComplete, encodeZoneEntry, sourceTimeOf } from './schemas.ts';

const service: RecordSet = {
  kind: 'Service',
  namespace: 'shop',
  name: 'web',
  type: 'ClusterIP',
  clusterIPs: ['10.96.0.10'],
  ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
  publishNotReadyAddresses: false,
  labels: {},
  endpoints: [{ addresses: ['10.244.1.5'], ready: true, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] }],
};

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('zone entry schema', () => {
  const cases: { name: string; input: Uint8Array; code?: string }[] = [
    { name: 'a service record set', input: bytes({ schema: 1, recordSet: service, changedAt: '2026-11-23T10:00:00Z' }) },
    { name: 'a namespace', input: bytes({ schema: 1, recordSet: { kind: 'Namespace', name: 'shop', labels: {} }, changedAt: 'x' }) },
    { name: 'a pod', input: bytes({ schema: 1, recordSet: { kind: 'Pod', namespace: 'shop', name: 'p', ips: ['10.0.0.1'] }, changedAt: 'x' }) },
    { name: 'not JSON', input: bytes('{nope'), code: 'BUS_BAD_JSON' },
    { name: 'no version', input: bytes({ recordSet: service }), code: 'BUS_UNKNOWN_VERSION' },
    { name: 'a future version', input: bytes({ schema: 2, recordSet: service, changedAt: 'x' }), code: 'BUS_UNKNOWN_VERSION' },
    { name: 'no record set', input: bytes({ schema: 1, changedAt: 'x' }), code: 'BUS_BAD_SCHEMA' },
    { name: 'an unknown kind', input: bytes({ schema: 1, recordSet: { kind: 'Ingress', name: 'x' }, changedAt: 'x' }), code: 'BUS_BAD_SCHEMA' },
    {
      name: 'a port out of range',
      input: bytes({ schema: 1, recordSet: { ...service, ports: [{ name: 'http', protocol: 'TCP', port: 70000 }] }, changedAt: 'x' }),
      code: 'BUS_BAD_SCHEMA',
    },
    { name: 'with a trigger time', input: bytes({ schema: 1, recordSet: service, changedAt: 'x', triggerTime: '2026-11-23T09:59:58.5Z' }) },
    { name: 'a trigger time that is not a string', input: bytes({ schema: 1, recordSet: service, changedAt: 'x', triggerTime: 5 }), code: 'BUS_BAD_SCHEMA' },
    {
      name: 'a service without endpoints field',
      input: bytes({ schema: 1, recordSet: { ...service, endpoints: undefined }, changedAt: 'x' }),
      code: 'BUS_BAD_SCHEMA',
    },
  ];
  it.each(cases)('$name', ({ input, code }) => {
    const decoded = decodeZoneEntry(input);
    if (code) {
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) {
        expect(decoded.error.code).toBe(code);
        expect(decoded.error.message).toMatch(/^zone entry: /);
      }
    } else {
      expect(decoded).toMatchObject({ ok: true });
    }
  });

  it('round-trips what the writer encodes, trace included', () => {
    const decoded = decodeZoneEntry(encodeZoneEntry(service, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }));
    expect(decoded.ok && decoded.value.recordSet).toEqual(service);
    expect(decoded.ok && decoded.value.trace?.traceparent).toMatch(/^00-/);
    expect(decoded.ok && 'triggerTime' in decoded.value).toBe(false);
  });

  it('round-trips the trigger time', () => {
    const decoded = decodeZoneEntry(encodeZoneEntry(service, {}, '2026-11-23T09:59:58.123456789Z'));
    expect(decoded.ok && decoded.value.triggerTime).toBe('2026-11-23T09:59:58.123456789Z');
  });
});

describe('sourceTimeOf', () => {
  it.each([
    { trigger: '2026-11-23T09:59:58Z', fallback: '2026-11-23T10:00:00Z', expected: Date.UTC(2026, 10, 23, 9, 59, 58) },
    // RFC 3339 with nanoseconds, as the EndpointSlice controller writes it: JavaScript keeps the milliseconds.
    { trigger: '2026-11-23T09:59:58.123456789Z', fallback: 0, expected: Date.UTC(2026, 10, 23, 9, 59, 58, 123) },
    { trigger: undefined, fallback: '2026-11-23T10:00:00Z', expected: Date.UTC(2026, 10, 23, 10, 0, 0) },
    { trigger: 'yesterday', fallback: 1_000, expected: 1_000 },
    { trigger: undefined, fallback: 'x', expected: Number.NaN },
  ])('$trigger, else $fallback → $expected', ({ trigger, fallback, expected }) => {
    expect(sourceTimeOf(trigger, fallback)).toEqual(expected);
  });
});

describe('zone change schema', () => {
  it('round-trips', () => {
    const decoded = decodeZoneChanged(encodeZoneChanged({ key: 'svc.shop.web', names: ['web.shop.svc.cluster.local'], revision: 7 }));
    expect(decoded).toEqual({ ok: true, value: { schema: 1, key: 'svc.shop.web', names: ['web.shop.svc.cluster.local'], revision: 7 } });
    const withTime = decodeZoneChanged(encodeZoneChanged({ key: 'svc.shop.web', names: [], revision: 8, triggerTime: '2026-11-23T09:59:58Z' }));
    expect(withTime.ok && withTime.value.triggerTime).toBe('2026-11-23T09:59:58Z');
  });
  it.each([
    [{ schema: 1, key: 'svc.a.b', names: 'web', revision: 1 }, 'BUS_BAD_SCHEMA'],
    [{ schema: 1, key: '', names: [], revision: 1 }, 'BUS_BAD_SCHEMA'],
    [{ schema: 1, key: 'svc.a.b', names: [], revision: -1 }, 'BUS_BAD_SCHEMA'],
    [{ schema: '1', key: 'svc.a.b', names: [], revision: 1 }, 'BUS_UNKNOWN_VERSION'],
    [{ schema: 1, key: 'svc.a.b', names: [], revision: 1, triggerTime: 7 }, 'BUS_BAD_SCHEMA'],
  ])('rejects %j', (input, code) => {
    const decoded = decodeZoneChanged(bytes(input));
    expect(decoded.ok ? 'ok' : decoded.error.code).toBe(code);
  });
});

describe('zone complete marker schema', () => {
  it('round-trips what the watcher writes', () => {
    const decoded = decodeZoneComplete(encodeZoneComplete({ revision: 10_105, keys: 10_104, writer: 'watcher-0' }));
    expect(decoded).toMatchObject({ ok: true, value: { schema: 1, revision: 10_105, keys: 10_104, writer: 'watcher-0' } });
    expect(decoded.ok && !Number.isNaN(Date.parse(decoded.value.completedAt))).toBe(true);
  });
  it.each([
    [{ schema: 1, revision: 3, keys: 2, completedAt: 'x' }, 'BUS_BAD_SCHEMA'],
    [{ schema: 1, revision: -1, keys: 2, writer: 'w', completedAt: 'x' }, 'BUS_BAD_SCHEMA'],
    [{ schema: 1, revision: 3, keys: 2.5, writer: 'w', completedAt: 'x' }, 'BUS_BAD_SCHEMA'],
    [{ schema: 2, revision: 3, keys: 2, writer: 'w', completedAt: 'x' }, 'BUS_UNKNOWN_VERSION'],
    [{ schema: 1, recordSet: service, changedAt: 'x' }, 'BUS_BAD_SCHEMA'],
  ])('rejects %j', (input, code) => {
    const decoded = decodeZoneComplete(bytes(input));
    expect(decoded.ok ? 'ok' : decoded.error.code).toBe(code);
  });
});
