import { describe, expect, it } from 'vitest';
import type { RecordSet } from '@halo/zone';
import { configKeys, parseZoneKey, statusKey, zoneCompleteKey, zoneKey, type ZoneObject } from './names.ts';

describe('zone keys', () => {
  it.each<[string, ZoneObject]>([
    ['svc.shop.web', { kind: 'Service', namespace: 'shop', name: 'web' }],
    ['ns.shop', { kind: 'Namespace', name: 'shop' }],
    ['pod.shop.web-0', { kind: 'Pod', namespace: 'shop', name: 'web-0' }],
    // A Pod's name is a DNS subdomain: it may hold dots, and parses back whole.
    ['pod.shop.web.v1.0', { kind: 'Pod', namespace: 'shop', name: 'web.v1.0' }],
  ])('%s is built and parsed back', (key, object) => {
    expect(zoneKey(object)).toBe(key);
    expect(parseZoneKey(key)).toEqual(object);
  });

  it('takes a record set as its object', () => {
    const rs: RecordSet = {
      kind: 'Service',
      namespace: 'shop',
      name: 'web',
      type: 'ClusterIP',
      clusterIPs: [],
      ports: [],
      publishNotReadyAddresses: false,
      labels: {},
      endpoints: [],
    };
    expect(zoneKey(rs)).toBe('svc.shop.web');
  });

  it.each([zoneCompleteKey, 'svc.shop', 'svc.shop.', 'svc..web', 'svc.shop.web.x', 'ns.', 'ns.a.b', 'pod.shop', 'cm.shop.x', 'svc', ''])(
    '%j stands for no object',
    (key) => {
      expect(parseZoneKey(key)).toBeNull();
    },
  );
});

describe('config keys', () => {
  it.each([
    [configKeys.fragment('stub-zones'), 'fragment.stub-zones'],
    [configKeys.history('stub-zones', 3), 'history.stub-zones.3'],
    [configKeys.historyOf('stub-zones'), 'history.stub-zones.*'],
    [configKeys.effective('answerer'), 'effective.answerer'],
    [statusKey('node-cache', 'node-cache-x7.pod'), 'node-cache.node-cache-x7_pod'],
  ])('%s', (built, expected) => {
    expect(built).toBe(expected);
  });

  it('reads the fragment name back from its key, and nothing from another key', () => {
    expect(configKeys.fragmentName(configKeys.fragment('stub-zones'))).toBe('stub-zones');
    expect(configKeys.fragmentName('history.stub-zones.3')).toBeNull();
  });
});
