import { describe, expect, it } from 'vitest';
import { matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';

const labels = { app: 'web', tier: 'front', version: '3' };

// Table: a label selector, whether it selects {app: web, tier: front, version: 3}.
const cases: Array<[string, boolean]> = [
  ['', true],
  ['app=web', true],
  ['app==web', true],
  ['app=db', false],
  ['app!=db', true],
  ['missing!=x', true],
  ['app in (db, web)', true],
  ['app notin (web)', false],
  ['tier', true],
  ['!tier', false],
  ['!missing', true],
  ['app=web,tier in (front),!missing', true],
  ['version>2', true],
  ['version<3', false],
  ['example.com/role=x', false],
];

describe('label selectors', () => {
  it.each(cases)('%j selects: %s', (selector, expected) => {
    const parsed = parseLabelSelector(selector);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(matchesLabels(parsed.value, labels)).toBe(expected);
  });

  it.each(['app in (web', 'a=b=c', '=x', 'app in (Bad Value)', '-bad=x'])('rejects %j', (selector) => {
    expect(parseLabelSelector(selector).ok).toBe(false);
  });
});

describe('field selectors', () => {
  it('accepts only supported fields', () => {
    expect(parseFieldSelector('metadata.name=a,metadata.namespace!=b', ['metadata.name', 'metadata.namespace'])).toEqual({
      ok: true,
      value: [
        { field: 'metadata.name', op: 'eq', value: 'a' },
        { field: 'metadata.namespace', op: 'neq', value: 'b' },
      ],
    });
    expect(parseFieldSelector('spec.x=1', ['metadata.name'])).toEqual({ ok: false, message: 'field label not supported: spec.x' });
  });
});
