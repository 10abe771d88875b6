// Splits Corefile text into tokens the way Caddy's lexer (which CoreDNS uses) does: whitespace
// separates tokens, `#` starts a comment to the end of the line, a double-quoted string is one token
// (it may span lines; `\"` and `\\` are escapes, any other backslash is kept as written).
import type { CorefileError, Position } from './types.ts';

export interface LexToken {
  text: string;
  pos: Position;
  /** The line the token ends on: a quoted token may span lines, and the next token counts as on that line. */
  endLine: number;
  quoted: boolean;
}

export function lex(text: string, file: string): { tokens: LexToken[]; errors: CorefileError[] } {
  const tokens: LexToken[] = [];
  const errors: CorefileError[] = [];
  const chars = Array.from(text);
  let line = 1;
  let column = 1;
  let i = 0;
  const advance = (ch: string): void => {
    i++;
    if (ch === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
  };

  while (i < chars.length) {
    const ch = chars[i];
    if (ch === '\n' || ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v') {
      advance(ch);
      continue;
    }
    if (ch === '#') {
      while (i < chars.length && chars[i] !== '\n') advance(chars[i]);
      continue;
    }
    const pos: Position = { file, line, column };
    if (ch === '"') {
      advance(ch);
      let value = '';
      let closed = false;
      while (i < chars.length) {
        const c = chars[i];
        if (c === '\\' && (chars[i + 1] === '"' || chars[i + 1] === '\\')) {
          value += chars[i + 1];
          advance(c);
          advance(chars[i]);
          continue;
        }
        if (c === '"') {
          advance(c);
          closed = true;
          break;
        }
        value += c;
        advance(c);
      }
      if (!closed) {
        errors.push({ ...pos, message: 'unterminated quoted string: expected a closing "' });
        break;
      }
      tokens.push({ text: value, pos, endLine: line, quoted: true });
      continue;
    }
    let value = '';
    while (i < chars.length) {
      const c = chars[i];
      if (c === '\n' || c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '#') break;
      value += c;
      advance(c);
    }
    tokens.push({ text: value, pos, endLine: pos.line, quoted: false });
  }
  return { tokens, errors };
}

/** `{$NAME}` and `{%NAME%}` are replaced by the environment's value (empty when unset), as in CoreDNS. */
export function replaceEnv(text: string, env: Record<string, string | undefined>): string {
  return text
    .replace(/\{\$([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => env[name] ?? '')
    .replace(/\{%([A-Za-z_][A-Za-z0-9_]*)%\}/g, (_m, name: string) => env[name] ?? '');
}

/** The first `{$NAME}` or `{%NAME%}` placeholder in a token, as written, or null. */
export function placeholderIn(text: string): string | null {
  return /\{\$[A-Za-z_][A-Za-z0-9_]*\}|\{%[A-Za-z_][A-Za-z0-9_]*%\}/.exec(text)?.[0] ?? null;
}
