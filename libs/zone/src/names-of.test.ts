// The names a change touches: one table of old → new record sets and the names the watcher publishes
// and an answerer drops for them.
import { describe, expect, it } from 'vitest';
import { nsSet, podSet, slice, svcSet } from '../test/cluster.ts';
import { defaultZoneOptions, namesTouched, type RecordSet, type ZoneOptions } from './index.ts';

const web = (ip: string) => svcSet({ name: 'web', clusterIP: ip });
const db = (...ips: string[]) =>
  svcSet({ name: 'db', clusterIP: 'None' }, [
    slice(
      'db',
      'd',
      ips.map((ip) => ({ ip })),
    ),
  ]);

describe('namesTouched', () => {
  it.each<[string, RecordSet | null, RecordSet | null, Partial<ZoneOptions>, string[]]>([
    ['nothing before, nothing after', null, null, {}, []],
    ['a created Service: its names', null, web('10.96.0.10'), {}, ['web.shop.svc.cluster.local', 'shop.svc.cluster.local', '10.0.96.10.in-addr.arpa']],
    ['a deleted Service: the names it had', web('10.96.0.10'), null, {}, ['web.shop.svc.cluster.local', 'shop.svc.cluster.local', '10.0.96.10.in-addr.arpa']],
    [
      'a new cluster IP: both reverse names, each forward name once',
      web('10.96.0.10'),
      web('10.96.0.11'),
      {},
      ['web.shop.svc.cluster.local', 'shop.svc.cluster.local', '10.0.96.10.in-addr.arpa', '11.0.96.10.in-addr.arpa'],
    ],
    [
      'an endpoint replaced in a headless Service: the old and the new endpoint name',
      db('10.0.0.1'),
      db('10.0.0.2'),
      {},
      [
        'db.shop.svc.cluster.local',
        '10-0-0-1.db.shop.svc.cluster.local',
        'shop.svc.cluster.local',
        '1.0.0.10.in-addr.arpa',
        '10-0-0-2.db.shop.svc.cluster.local',
        '2.0.0.10.in-addr.arpa',
      ],
    ],
    [
      'an unchanged record set: its names (the caller decides whether it changed)',
      web('10.96.0.10'),
      web('10.96.0.10'),
      {},
      ['web.shop.svc.cluster.local', 'shop.svc.cluster.local', '10.0.96.10.in-addr.arpa'],
    ],
    [
      'a Namespace: its svc name, and its pod name when pods are served',
      null,
      nsSet('shop'),
      { pods: 'insecure' },
      ['shop.svc.cluster.local', 'shop.pod.cluster.local'],
    ],
    [
      'a Pod whose IP moved, with pods served',
      podSet('shop', 'p', ['10.0.5.5']),
      podSet('shop', 'p', ['10.0.5.6']),
      { pods: 'verified' },
      ['10-0-5-5.shop.pod.cluster.local', '10-0-5-6.shop.pod.cluster.local'],
    ],
    ['a Pod, with pods disabled: none', podSet('shop', 'p', ['10.0.5.5']), null, { pods: 'disabled' }, []],
    [
      'every forward zone',
      null,
      web('10.96.0.10'),
      { zones: ['cluster.local', 'example.org'] },
      ['web.shop.svc.cluster.local', 'shop.svc.cluster.local', 'web.shop.svc.example.org', 'shop.svc.example.org'],
    ],
  ])('%s', (_case, previous, next, options, expected) => {
    expect(namesTouched(previous, next, defaultZoneOptions(options)).sort()).toEqual([...expected].sort());
  });

  it('lists no name twice', () => {
    const names = namesTouched(db('10.0.0.1', '10.0.0.2'), db('10.0.0.2', '10.0.0.3'), defaultZoneOptions());
    expect(names).toHaveLength(new Set(names).size);
  });
});
