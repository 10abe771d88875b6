import { describe, expect, it } from 'vitest';
import { ServerScope } from './scope.ts';

describe('ServerScope', () => {
  it('tells zone changes to the plugins listening, then to the app, until a listener stops', () => {
    const heard: string[] = [];
    const scope = new ServerScope({ onZoneChange: (names) => heard.push(`app:${names.join(',')}`) });
    const stop = scope.onZoneChange((names) => heard.push(`cache:${names.join(',')}`));
    scope.zoneChanged(['web.shop.svc.cluster.local']);
    stop();
    scope.zoneChanged(['api.shop.svc.cluster.local']);
    expect(heard.sort()).toEqual(['app:api.shop.svc.cluster.local', 'app:web.shop.svc.cluster.local', 'cache:web.shop.svc.cluster.local']);
  });

  it.each([
    // [holders of the same key, how many of them let go, opened, closed]
    ['one holder, let go', 1, 1, 1, 1],
    ['two holders (a reload), the old one lets go', 2, 1, 1, 0],
    ['two holders, both let go', 2, 2, 1, 1],
  ])('holds one thing per owner and key: %s', (_label, holders, released, opened, closed) => {
    const scope = new ServerScope();
    const owner = {};
    let opens = 0;
    let closes = 0;
    const held = Array.from({ length: holders }, () =>
      scope.hold(owner, 'ttl=30', () => {
        opens++;
        return { value: { index: opens }, close: () => closes++ };
      }),
    );
    for (const h of held) expect(h.value).toBe(held[0].value);
    for (const h of held.slice(0, released)) {
      h.release();
      h.release(); // idempotent
    }
    expect([opens, closes]).toEqual([opened, closed]);
  });

  it('keeps things of different owners, keys and scopes apart; opens afresh after the last let go', () => {
    const a = new ServerScope();
    const b = new ServerScope();
    const owner = {};
    const open = (v: string) => () => ({ value: v, close: () => undefined });
    const first = a.hold(owner, 'k', open('first'));
    expect(a.hold(owner, 'other', open('other')).value).toBe('other');
    expect(a.hold({}, 'k', open('another owner')).value).toBe('another owner');
    expect(b.hold(owner, 'k', open('another server')).value).toBe('another server');
    first.release();
    expect(a.hold(owner, 'k', open('again')).value).toBe('again');
  });
});
