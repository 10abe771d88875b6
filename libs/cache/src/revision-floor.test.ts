import { describe, expect, it } from 'vitest';
import { RevisionFloor } from './revision-floor.ts';

describe('RevisionFloor', () => {
  it.each([
    // name, steps (raise by a change / an answer taken), the name asked, the floor expected
    ['nothing heard: 0 inside the zones', [], 'web.shop.svc.cluster.local', 0],
    ['outside the zones: no floor', [], 'example.com', null],
    ['a change raises the names it touched', [['change', ['web.shop.svc.cluster.local.'], 7]], 'web.shop.svc.cluster.local', 7],
    ['names compare case-insensitively, with or without the dot', [['change', ['Web.Shop.svc.cluster.local'], 7]], 'web.shop.svc.cluster.local.', 7],
    ['an answer taken raises its name', [['answer', ['web.shop.svc.cluster.local'], 9]], 'web.shop.svc.cluster.local', 9],
    [
      'never lowered',
      [
        ['change', ['web.shop.svc.cluster.local'], 9],
        ['answer', ['web.shop.svc.cluster.local'], 4],
      ],
      'web.shop.svc.cluster.local',
      9,
    ],
    ['other names keep theirs', [['change', ['web.shop.svc.cluster.local'], 9]], 'db.shop.svc.cluster.local', 0],
    ['reverse names', [['change', ['1.0.0.10.in-addr.arpa'], 3]], '1.0.0.10.in-addr.arpa', 3],
  ] as [string, ['change' | 'answer', string[], number][], string, number | null][])('%s', (_name, steps, asked, expected) => {
    const floor = new RevisionFloor({ zones: ['cluster.local', 'in-addr.arpa'] });
    for (const [kind, names, revision] of steps) {
      if (kind === 'change') floor.raise(names, revision);
      else for (const n of names) floor.answered(n, revision);
    }
    expect(floor.of(asked)).toBe(expected);
  });

  it('a name it forgets (beyond maxNames) keeps at least the revision it had', () => {
    const floor = new RevisionFloor({ zones: ['cluster.local'], maxNames: 2 });
    floor.raise(['a.cluster.local'], 5);
    floor.raise(['b.cluster.local'], 6);
    floor.raise(['c.cluster.local'], 7);
    expect(floor.size).toBe(2);
    // a was forgotten: its floor is the highest forgotten one, never lower than it was.
    expect([floor.of('a.cluster.local'), floor.of('b.cluster.local'), floor.of('c.cluster.local'), floor.of('new.cluster.local')]).toEqual([5, 6, 7, 5]);
    floor.raise(['b.cluster.local'], 8);
    floor.raise(['d.cluster.local'], 9);
    // c went next (b was raised later): every name not remembered is now at least 7.
    expect([floor.of('a.cluster.local'), floor.of('c.cluster.local'), floor.of('b.cluster.local'), floor.of('d.cluster.local')]).toEqual([7, 7, 8, 9]);
  });
});
