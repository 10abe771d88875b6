// Bearer tokens with a role: from a file (YAML or JSON list) or a Kubernetes Secret.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Role = 'read' | 'write';
export interface Principal {
  name: string;
  role: Role;
}

/** token → who holds it. A write token may read too. */
export type Tokens = Map<string, Principal>;

export type TokensResult = { ok: true; tokens: Tokens } | { ok: false; message: string };

/**
 * A tokens file lists `{ name, token, role }` entries:
 * ```yaml
 * - { name: alice, token: s3cr3t, role: write }
 * - { name: dashboards, token: r34d, role: read }
 * ```
 */
export function parseTokens(text: string, source: string): TokensResult {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { ok: false, message: `${source}: not YAML or JSON: ${(err as Error).message}` };
  }
  if (!Array.isArray(doc)) return { ok: false, message: `${source}: expected a list of { name, token, role }` };
  const tokens: Tokens = new Map();
  for (const [i, entry] of doc.entries()) {
    const { name, token, role } = (entry ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || typeof token !== 'string' || token.length < 8 || (role !== 'read' && role !== 'write')) {
      return { ok: false, message: `${source}: entry ${i + 1} needs a name, a token of at least 8 characters, and role read or write` };
    }
    tokens.set(token, { name, role });
  }
  return { ok: true, tokens };
}

export function readTokensFile(path: string): TokensResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, message: `--tokens: cannot read ${path}: ${(err as Error).message}` };
  }
  return parseTokens(text, path);
}

/** A Secret's data keys are `<role>.<name>` (e.g. `write.alice`), each holding a base64 token. */
export function tokensFromSecret(data: Record<string, string> | undefined): Tokens {
  const tokens: Tokens = new Map();
  for (const [key, value] of Object.entries(data ?? {})) {
    const [role, ...rest] = key.split('.');
    if ((role !== 'read' && role !== 'write') || rest.length === 0) continue;
    tokens.set(Buffer.from(value, 'base64').toString('utf8').trim(), { name: rest.join('.'), role });
  }
  return tokens;
}
