// Label and field selectors, parsed as the API server parses them (?labelSelector=, ?fieldSelector=).

export type LabelRequirement =
  { key: string; op: 'exists' | 'notexists' } | { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'gt' | 'lt'; value: number };

export interface FieldRequirement {
  field: string;
  op: 'eq' | 'neq';
  value: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Splits at commas that are not inside parentheses (`a in (x,y),b` is two terms). */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms.map((t) => t.trim());
}

function parseLabelTerm(term: string): Parsed<LabelRequirement> {
  const bad = (why: string): Parsed<LabelRequirement> => ({ ok: false, message: `unable to parse requirement: ${why}: "${term}"` });
  const checkKey = (key: string): string | undefined => (labelKey.test(key) && key.length <= 317 ? undefined : `invalid label key "${key}"`);
  let m = /^!\s*(\S+)$/.exec(term);
  if (m) {
    const e = checkKey(m[1]);
    return e ? bad(e) : { ok: true, value: { key: m[1], op: 'notexists' } };
  }
  m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (m) {
    const e = checkKey(m[1]);
    if (e) return bad(e);
    const values = m[3].split(',').map((v) => v.trim());
    const badValue = values.find((v) => !labelValue.test(v));
    if (badValue !== undefined) return bad(`invalid label value "${badValue}"`);
    return { ok: true, value: { key: m[1], op: m[2] === 'in' ? 'in' : 'notin', values } };
  }
  m = /^([^\s=!<>]+)\s*(==|=|!=|<|>)\s*(\S*)$/.exec(term);
  if (m) {
    const [, key, op, value] = m;
    const e = checkKey(key);
    if (e) return bad(e);
    if (op === '<' || op === '>') {
      if (!/^-?\d+$/.test(value)) return bad(`for 'gt', 'lt' operators, exactly one value is required and it must be an integer`);
      return { ok: true, value: { key, op: op === '<' ? 'lt' : 'gt', value: Number(value) } };
    }
    if (!labelValue.test(value)) return bad(`invalid label value "${value}"`);
    return { ok: true, value: { key, op: op === '!=' ? 'notin' : 'in', values: [value] } };
  }
  m = /^(\S+)$/.exec(term);
  if (m) {
    const e = checkKey(m[1]);
    return e ? bad(e) : { ok: true, value: { key: m[1], op: 'exists' } };
  }
  return bad('found unexpected input');
}

/** Parses a label selector; the empty string selects everything. */
export function parseLabelSelector(text: string): Parsed<LabelRequirement[]> {
  if (text.trim() === '') return { ok: true, value: [] };
  const requirements: LabelRequirement[] = [];
  for (const term of splitTerms(text)) {
    const parsed = parseLabelTerm(term);
    if (!parsed.ok) return parsed;
    requirements.push(parsed.value);
  }
  return { ok: true, value: requirements };
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
      case 'gt':
        return has && /^-?\d+$/.test(l[r.key]) && Number(l[r.key]) > r.value;
      case 'lt':
        return has && /^-?\d+$/.test(l[r.key]) && Number(l[r.key]) < r.value;
    }
  });
}

/** Parses a field selector, accepting only the fields the resource supports (as the API server does). */
export function parseFieldSelector(text: string, supportedFields: readonly string[]): Parsed<FieldRequirement[]> {
  if (text.trim() === '') return { ok: true, value: [] };
  const requirements: FieldRequirement[] = [];
  for (const term of text.split(',').map((t) => t.trim())) {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) return { ok: false, message: `invalid selector: '${text}'; can't understand '${term}'` };
    const [, field, op, value] = m;
    if (!supportedFields.includes(field)) return { ok: false, message: `field label not supported: ${field}` };
    requirements.push({ field, op: op === '!=' ? 'neq' : 'eq', value });
  }
  return { ok: true, value: requirements };
}

function fieldValue(object: unknown, path: string): string {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return '';
    current = (current as Record<string, unknown>)[part];
  }
  return typeof current === 'string' ? current : current === undefined || current === null ? '' : String(current);
}

export function matchesFields(requirements: readonly FieldRequirement[], object: unknown): boolean {
  return requirements.every((r) => (fieldValue(object, r.field) === r.value) === (r.op === 'eq'));
}
