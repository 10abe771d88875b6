import { describe, expect, it } from 'vitest';
import { isZoneError } from './index.ts';
import { labelsMatch, parseLabelSelector } from './labels.ts';

describe('label selectors', () => {
  it.each([
    ['app=web', { app: 'web' }, true],
    ['app==web', { app: 'web' }, true],
    ['app=web', { app: 'db' }, false],
    ['app=web', {}, false],
    ['app!=web', {}, true],
    ['app!=web', { app: 'web' }, false],
    ['app=web,tier!=db', { app: 'web', tier: 'front' }, true],
    ['app=web,tier!=db', { app: 'web', tier: 'db' }, false],
    ['app in (web, db)', { app: 'db' }, true],
    ['app notin (web,db)', { app: 'db' }, false],
    ['app notin (web,db)', {}, true],
    ['app', { app: '' }, true],
    ['!app', { app: 'x' }, false],
    ['!app', {}, true],
    ['example.com/team=a, app', { 'example.com/team': 'a', app: 'x' }, true],
    ['', { any: 'thing' }, true],
  ] as const)('%s matches %j: %s', (sel, labels, expected) => {
    const s = parseLabelSelector(sel);
    if (isZoneError(s)) throw new Error(s.message);
    expect(labelsMatch(s, labels)).toBe(expected);
  });

  it.each(['app=web,', '=web', 'app in web', 'a b c', 'app=we b'])('rejects %j with an error value', (sel) => {
    const s = parseLabelSelector(sel);
    expect(isZoneError(s) && s.code).toBe('InvalidLabelSelector');
  });
});
