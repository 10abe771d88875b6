import { describe, expect, it } from 'vitest';
import { FastPath } from './fast-path.ts';

describe('FastPath.invalidate', () => {
  const names = [
    'web.shop.svc.cluster.local',
    'shop.svc.cluster.local',
    'pod-1.db.shop.svc.cluster.local',
    'db.shop.svc.cluster.local',
    'other.ns.svc.cluster.local',
    'cluster.local',
  ];
  it.each([
    ['a service drops itself and its ancestors', ['web.shop.svc.cluster.local.'], ['web.shop.svc.cluster.local', 'shop.svc.cluster.local', 'cluster.local']],
    [
      'a headless service drops the names below it',
      ['db.shop.svc.cluster.local'],
      ['pod-1.db.shop.svc.cluster.local', 'db.shop.svc.cluster.local', 'shop.svc.cluster.local', 'cluster.local'],
    ],
    ['case does not matter', ['OTHER.ns.svc.cluster.local'], ['other.ns.svc.cluster.local', 'cluster.local']],
    ['an unrelated name drops nothing', ['example.org'], []],
  ])('%s', (_label, invalidate, dropped) => {
    const fp = new FastPath();
    for (const n of names) fp.set(`${n}|A`, n, Buffer.from(n));
    const before = fp.generation;
    fp.invalidate(invalidate);
    expect(fp.generation).toBe(before + 1);
    expect(names.filter((n) => !fp.get(`${n}|A`)).sort()).toEqual([...dropped].sort());
  });
});
