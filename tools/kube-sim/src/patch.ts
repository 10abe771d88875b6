// PATCH bodies: JSON merge patch (RFC 7386; strategic merge is treated as merge) and JSON patch (RFC 6902).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: { [key: string]: Json } = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key] ?? null, value);
  }
  return result;
}

export type PatchResult = { ok: true; value: Json } | { ok: false; message: string };

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function pointer(path: string): string[] | undefined {
  if (path === '') return [];
  if (!path.startsWith('/')) return undefined;
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function clone(value: Json): Json {
  return structuredClone(value);
}

/** Walks to the parent of the last token; returns the container and the last token. */
function parentOf(doc: Json, tokens: string[]): { container: Json; key: string } | undefined {
  let current: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(t)];
    else if (isObject(current)) current = current[t];
    else return undefined;
    if (current === undefined) return undefined;
  }
  return { container: current, key: tokens[tokens.length - 1] };
}

function getAt(doc: Json, tokens: string[]): Json | undefined {
  if (tokens.length === 0) return doc;
  const p = parentOf(doc, tokens);
  if (!p) return undefined;
  if (Array.isArray(p.container)) return p.container[Number(p.key)];
  if (isObject(p.container)) return p.container[p.key];
  return undefined;
}

function removeAt(doc: Json, tokens: string[]): Json | undefined {
  const p = parentOf(doc, tokens);
  if (!p) return undefined;
  if (Array.isArray(p.container)) {
    const i = Number(p.key);
    if (!Number.isInteger(i) || i < 0 || i >= p.container.length) return undefined;
    return p.container.splice(i, 1)[0];
  }
  if (isObject(p.container) && Object.hasOwn(p.container, p.key)) {
    const old = p.container[p.key];
    delete p.container[p.key];
    return old;
  }
  return undefined;
}

function addAt(doc: Json, tokens: string[], value: Json, replace: boolean): boolean {
  const p = parentOf(doc, tokens);
  if (!p) return false;
  if (Array.isArray(p.container)) {
    const i = p.key === '-' ? p.container.length : Number(p.key);
    if (!Number.isInteger(i) || i < 0 || i > p.container.length || (replace && i >= p.container.length)) return false;
    p.container.splice(i, replace ? 1 : 0, value);
    return true;
  }
  if (isObject(p.container)) {
    if (replace && !Object.hasOwn(p.container, p.key)) return false;
    p.container[p.key] = value;
    return true;
  }
  return false;
}

export function jsonPatch(target: Json, operations: Json): PatchResult {
  if (!Array.isArray(operations)) return { ok: false, message: 'a JSON patch must be an array of operations' };
  let doc = clone(target);
  for (const raw of operations) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      return { ok: false, message: 'every JSON patch operation needs "op" and "path"' };
    }
    const op = raw as unknown as Operation;
    const tokens = pointer(op.path);
    if (!tokens) return { ok: false, message: `invalid JSON pointer "${op.path}"` };
    const failed = (): PatchResult => ({ ok: false, message: `unable to apply "${op.op}" at "${op.path}"` });
    switch (op.op) {
      case 'add':
      case 'replace':
        if (op.value === undefined) return failed();
        if (tokens.length === 0) doc = clone(op.value);
        else if (!addAt(doc, tokens, clone(op.value), op.op === 'replace')) return failed();
        break;
      case 'remove':
        if (removeAt(doc, tokens) === undefined) return failed();
        break;
      case 'move':
      case 'copy': {
        const from = pointer(op.from ?? '');
        if (!from || op.from === undefined) return failed();
        const value = op.op === 'move' ? removeAt(doc, from) : getAt(doc, from);
        if (value === undefined || !addAt(doc, tokens, clone(value), false)) return failed();
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, tokens)) !== JSON.stringify(op.value)) {
          return { ok: false, message: `test failed at "${op.path}"` };
        }
        break;
      default:
        return { ok: false, message: `unknown JSON patch operation "${op.op}"` };
    }
  }
  return { ok: true, value: doc };
}
