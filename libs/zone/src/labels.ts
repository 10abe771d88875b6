// Kubernetes label selectors in their string form, as CoreDNS's `labels` option takes them:
// `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, joined by commas.
import { zoneError } from './types.ts';
import type { ZoneError } from './types.ts';

export type LabelRequirement =
  | { key: string; op: 'in'; values: string[] }
  | { key: string; op: 'notin'; values: string[] }
  | { key: string; op: 'exists' }
  | { key: string; op: 'doesnotexist' };

export type LabelSelector = LabelRequirement[];

const keyPattern = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valuePattern = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms.map((t) => t.trim());
}

function badSelector(selector: string, why: string): ZoneError {
  return zoneError('InvalidLabelSelector', `label selector "${selector}": ${why}`);
}

export function parseLabelSelector(selector: string): LabelSelector | ZoneError {
  const result: LabelRequirement[] = [];
  if (selector.trim() === '') return result;
  for (const term of splitTerms(selector)) {
    if (term === '') return badSelector(selector, 'empty term');
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (set) {
      const [, key, op, list] = set as unknown as [string, string, 'in' | 'notin', string];
      const values = list.split(',').map((v) => v.trim());
      if (!keyPattern.test(key)) return badSelector(selector, `bad key "${key}"`);
      if (values.some((v) => !valuePattern.test(v))) return badSelector(selector, `bad value in "${term}"`);
      result.push({ key, op, values });
      continue;
    }
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (eq) {
      const [, key, op, value] = eq as unknown as [string, string, string, string];
      if (!keyPattern.test(key)) return badSelector(selector, `bad key "${key}"`);
      if (!valuePattern.test(value)) return badSelector(selector, `bad value "${value}"`);
      result.push({ key, op: op === '!=' ? 'notin' : 'in', values: [value] });
      continue;
    }
    const not = /^!\s*(\S+)$/.exec(term);
    if (not) {
      const key = not[1] as string;
      if (!keyPattern.test(key)) return badSelector(selector, `bad key "${key}"`);
      result.push({ key, op: 'doesnotexist' });
      continue;
    }
    if (keyPattern.test(term)) {
      result.push({ key: term, op: 'exists' });
      continue;
    }
    return badSelector(selector, `cannot read "${term}"`);
  }
  return result;
}

export function labelsMatch(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const r of selector) {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    switch (r.op) {
      case 'in':
        if (!has || !r.values.includes(value as string)) return false;
        break;
      case 'notin':
        // As in Kubernetes: a missing label satisfies `!=` and `notin`.
        if (has && r.values.includes(value as string)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case 'doesnotexist':
        if (has) return false;
        break;
    }
  }
  return true;
}
