// put/delete keep the index equal to one built from scratch; the serial moves only on change.
import { describe, expect, it } from 'vitest';
import { demoCluster, keyed, nsSet, show, slice, svcSet } from '../test/cluster.ts';
import { defaultZoneOptions, namesOf, ZoneIndex } from './index.ts';

const q = (name: string, type = 'A') => ({ name, type });
let now = 1_000_000;
const clock = () => now;

describe('ZoneIndex updates', () => {
  it('replaces what a key held, and forgets it on delete', () => {
    const idx = new ZoneIndex(defaultZoneOptions(), clock);
    idx.put('ns.shop', nsSet('shop'));
    idx.put('svc.shop.db', svcSet({ name: 'db', clusterIP: 'None' }, [slice('db', 'd', [{ ip: '10.0.0.1', hostname: 'a' }], [{ name: 'sql', port: 1 }])]));
    expect(show(idx.answer(q('a.db.shop.svc.cluster.local')))?.answers).toEqual(['a.db.shop.svc.cluster.local 5 A 10.0.0.1']);

    idx.put('svc.shop.db', svcSet({ name: 'db', clusterIP: 'None' }, [slice('db', 'd', [{ ip: '10.0.0.2', hostname: 'b' }], [{ name: 'sql', port: 1 }])]));
    expect(idx.answer(q('a.db.shop.svc.cluster.local'))?.rcode).toBe('NXDOMAIN');
    expect(idx.answer(q('1.0.0.10.in-addr.arpa', 'PTR'))?.rcode).toBe('NXDOMAIN');
    expect(show(idx.answer(q('db.shop.svc.cluster.local')))?.answers).toEqual(['db.shop.svc.cluster.local 5 A 10.0.0.2']);
    expect(idx.size).toBe(2);

    idx.delete('svc.shop.db');
    expect(idx.answer(q('db.shop.svc.cluster.local'))?.rcode).toBe('NXDOMAIN');
    expect(idx.answer(q('_sql._tcp.db.shop.svc.cluster.local', 'SRV'))?.rcode).toBe('NXDOMAIN');
    expect(idx.answer(q('_tcp.db.shop.svc.cluster.local', 'SRV'))?.rcode).toBe('NXDOMAIN');
    expect(idx.answer(q('shop.svc.cluster.local'))?.rcode).toBe('NOERROR');
    idx.delete('ns.shop');
    expect(idx.answer(q('shop.svc.cluster.local'))?.rcode).toBe('NXDOMAIN');
    expect(idx.size).toBe(0);
  });

  it('keeps a PTR name shared by two Services until both are gone', () => {
    const idx = new ZoneIndex(defaultZoneOptions(), clock);
    const ptr = '1.0.0.10.in-addr.arpa';
    idx.put('svc.shop.a', svcSet({ name: 'a', clusterIP: 'None' }, [slice('a', 'a', [{ ip: '10.0.0.1' }])]));
    idx.put('svc.shop.b', svcSet({ name: 'b', clusterIP: 'None' }, [slice('b', 'b', [{ ip: '10.0.0.1' }])]));
    expect(idx.answer(q(ptr, 'PTR'))?.answers).toHaveLength(2);
    idx.delete('svc.shop.a');
    expect(show(idx.answer(q(ptr, 'PTR')))?.answers).toEqual([`${ptr} 5 PTR 10-0-0-1.b.shop.svc.cluster.local`]);
    idx.delete('svc.shop.b');
    expect(idx.answer(q(ptr, 'PTR'))?.rcode).toBe('NXDOMAIN');
  });

  it('moves the serial on every change, never backwards, and not for an equal put', () => {
    now = 5_000_000;
    const idx = new ZoneIndex(defaultZoneOptions(), clock);
    const s0 = idx.serial;
    expect(s0).toBe(5000);
    idx.put('ns.shop', nsSet('shop'));
    const s1 = idx.serial;
    expect(s1).toBeGreaterThan(s0);
    idx.put('ns.shop', nsSet('shop'));
    expect(idx.serial).toBe(s1);
    now = 1_000; // a clock that jumps back
    idx.delete('ns.shop');
    expect(idx.serial).toBeGreaterThan(s1);
    idx.delete('ns.shop');
    idx.clear();
    expect(idx.serial).toBe(s1 + 1);
  });

  it('answers the same after any order of puts as after a rebuild', () => {
    const sets = keyed(demoCluster());
    const a = new ZoneIndex(defaultZoneOptions(), clock);
    for (const [k, rs] of sets) a.put(k, rs);
    const b = new ZoneIndex(defaultZoneOptions(), clock);
    for (const [k, rs] of [...sets].reverse()) b.put(k, rs);
    // Churn: delete and put back half of them.
    for (const [k] of sets.filter((_, i) => i % 2 === 0)) b.delete(k);
    for (const [k, rs] of sets.filter((_, i) => i % 2 === 0)) b.put(k, rs);
    const names = new Set(sets.flatMap(([, rs]) => namesOf(rs, defaultZoneOptions({ pods: 'verified' }))));
    expect(names.size).toBeGreaterThan(30);
    for (const name of names) {
      for (const type of ['A', 'AAAA', 'SRV', 'PTR']) {
        const sort = (x: ReturnType<typeof show>) => x && { ...x, answers: [...x.answers].sort(), additionals: [...(x.additionals ?? [])].sort() };
        expect(sort(show(b.answer(q(name, type)))), `${name} ${type}`).toEqual(sort(show(a.answer(q(name, type)))));
      }
    }
  });
});

describe('namesOf', () => {
  it('lists the names a headless Service answers for', () => {
    const rs = svcSet({ name: 'db', clusterIP: 'None' }, [
      slice('db', 'd', [{ ip: '10.0.0.1', hostname: 'db-0' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3', ready: false }], [{ name: 'sql', port: 1 }]),
    ]);
    expect(namesOf(rs, defaultZoneOptions()).sort()).toEqual(
      [
        'db.shop.svc.cluster.local',
        '_sql._tcp.db.shop.svc.cluster.local',
        '_tcp.db.shop.svc.cluster.local',
        'db-0.db.shop.svc.cluster.local',
        '10-0-0-2.db.shop.svc.cluster.local',
        'shop.svc.cluster.local',
        '1.0.0.10.in-addr.arpa',
        '2.0.0.10.in-addr.arpa',
      ].sort(),
    );
  });

  it('ignores visibility filters (a superset is safe to drop from caches)', () => {
    const rs = svcSet({ name: 'web', clusterIP: '10.96.0.10', labels: { app: 'web' } });
    const names = namesOf(rs, defaultZoneOptions({ namespaces: ['default'], labels: 'app=db', ignoreEmptyService: true }));
    expect(names).toContain('web.shop.svc.cluster.local');
    expect(names).toContain('10.0.96.10.in-addr.arpa');
  });

  it('lists pod names only when pods are served, in every forward zone', () => {
    const rs = demoCluster().find((r) => r.kind === 'Pod');
    if (!rs) throw new Error('demo cluster has a pod');
    expect(namesOf(rs, defaultZoneOptions())).toEqual([]);
    expect(namesOf(rs, defaultZoneOptions({ pods: 'verified', zones: ['cluster.local', 'example.org'] })).sort()).toEqual(
      ['10-0-5-5.shop.pod.cluster.local', 'fd00--5-5.shop.pod.cluster.local', '10-0-5-5.shop.pod.example.org', 'fd00--5-5.shop.pod.example.org'].sort(),
    );
  });

  it('lists the CNAME name of an ExternalName Service', () => {
    const rs = svcSet({ name: 'ext', type: 'ExternalName', externalName: 'example.com' });
    expect(namesOf(rs, defaultZoneOptions()).sort()).toEqual(['ext.shop.svc.cluster.local', 'shop.svc.cluster.local']);
  });
});

describe('answers after a change', () => {
  it('serve every spelling of a name, and follow the name when it changes', () => {
    const idx = new ZoneIndex(defaultZoneOptions(), clock);
    idx.put('svc.shop.web', svcSet({ name: 'web', clusterIP: '10.96.0.10' }));
    expect(show(idx.answer(q('WEB.shop.svc.cluster.local')))?.answers).toEqual(['WEB.shop.svc.cluster.local 5 A 10.96.0.10']);
    expect(show(idx.answer(q('web.shop.svc.cluster.local')))?.answers).toEqual(['web.shop.svc.cluster.local 5 A 10.96.0.10']);
    expect(show(idx.answer(q('Web.shop.svc.cluster.local.')))?.answers).toEqual(['Web.shop.svc.cluster.local 5 A 10.96.0.10']);
    idx.put('svc.shop.web', svcSet({ name: 'web', clusterIP: '10.96.0.20' }));
    expect(show(idx.answer(q('web.shop.svc.cluster.local')))?.answers).toEqual(['web.shop.svc.cluster.local 5 A 10.96.0.20']);
    expect(show(idx.answer(q('20.0.96.10.in-addr.arpa', 'PTR')))?.answers).toEqual(['20.0.96.10.in-addr.arpa 5 PTR web.shop.svc.cluster.local']);
    expect(idx.answer(q('10.0.96.10.in-addr.arpa', 'PTR'))?.rcode).toBe('NXDOMAIN');
    idx.delete('svc.shop.web');
    expect(idx.answer(q('WEB.shop.svc.cluster.local'))?.rcode).toBe('NXDOMAIN');
    expect(idx.answer(q('20.0.96.10.in-addr.arpa', 'PTR'))?.rcode).toBe('NXDOMAIN');
  });
});
