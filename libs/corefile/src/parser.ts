// Corefile structure as Caddy (v1, CoreDNS's fork) reads it: server blocks of keys and a braced body;
// inside, one directive per line (a quoted token spanning lines keeps the line going), `{` at the end
// of a directive's line opens its block, `}` closes it. Snippets `(name) { ... }` are pasted by `import name`.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { lex, placeholderIn, replaceEnv, type LexToken } from './lexer.ts';
import { parseServerKey } from './address.ts';
import type { Corefile, CorefileError, Directive, ParseOptions, ParseResult, ServerBlock, Token } from './types.ts';

const maxImportDepth = 10;

interface Source {
  file: string;
  tokens: LexToken[];
}

class Parser {
  readonly errors: CorefileError[] = [];
  readonly snippets = new Map<string, Source>();
  readonly options: Required<ParseOptions>;

  constructor(options: Required<ParseOptions>) {
    this.options = options;
  }

  error(tok: { pos: { file: string; line: number; column: number } }, message: string): void {
    this.errors.push({ file: tok.pos.file, line: tok.pos.line, column: tok.pos.column, message });
  }

  lexText(text: string, file: string): LexToken[] {
    const { tokens, errors } = lex(text, file);
    this.errors.push(...errors);
    if (this.options.untrusted) {
      // Text from someone who may not read this machine's environment: a placeholder is an error, never expanded.
      for (const t of tokens) {
        const name = placeholderIn(t.text);
        if (name !== null) this.error(t, `${name} is an environment placeholder; placeholders are not expanded here: write the value itself`);
      }
      return tokens;
    }
    return tokens.map((t) => (t.text.includes('{') ? { ...t, text: replaceEnv(t.text, this.options.env) } : t));
  }

  /** The whole file: snippets first-class, then server blocks. */
  parseFile(text: string, file: string): ServerBlock[] {
    const tokens = this.lexText(text, file);
    const blocks: ServerBlock[] = [];
    let i = 0;
    while (i < tokens.length) {
      const start = tokens[i];
      if (isBrace(start, '{') || isBrace(start, '}')) {
        this.error(start, `unexpected '${start.text}': expected a server block key such as ".:53" or "cluster.local"`);
        i++;
        continue;
      }
      // Keys: the first line, continued onto the next line after a trailing comma.
      const keyTokens: LexToken[] = [];
      let prev: LexToken | null = null;
      while (i < tokens.length && !isBrace(tokens[i], '{') && !isBrace(tokens[i], '}')) {
        const t = tokens[i];
        if (prev && prev.endLine !== t.pos.line && !prev.text.endsWith(',')) break;
        keyTokens.push(t);
        prev = t;
        i++;
      }
      const last = keyTokens[keyTokens.length - 1];
      let body: LexToken[];
      // As in Caddy, a server block's '{' may also stand on the next line (a directive's may not).
      if (i < tokens.length && isBrace(tokens[i], '{')) {
        const open = tokens[i];
        const close = matchBrace(tokens, i);
        if (close < 0) {
          this.error(open, `unclosed '{': the server block "${keyTokens.map((k) => k.text).join(' ')}" has no matching '}'`);
          body = tokens.slice(i + 1);
          i = tokens.length;
        } else {
          body = tokens.slice(i + 1, close);
          i = close + 1;
        }
      } else {
        // Caddy allows one server block without braces: then the rest of the file is its body.
        if (blocks.length > 0) {
          this.error(tokens[i] ?? last, `a server block needs '{' after its keys on the same line when the Corefile has more than one block`);
        }
        body = tokens.slice(i);
        i = tokens.length;
      }
      const snippet = keyTokens.length === 1 ? /^\((.+)\)$/.exec(keyTokens[0].text) : null;
      if (snippet && this.options.untrusted) {
        this.error(keyTokens[0], `snippets are not allowed here: import, which pastes them, reads no snippet or file in this text`);
        continue;
      }
      if (snippet) {
        if (this.snippets.has(snippet[1])) this.error(keyTokens[0], `snippet "${snippet[1]}" is defined twice`);
        this.snippets.set(snippet[1], { file, tokens: body });
        continue;
      }
      blocks.push(this.serverBlock(keyTokens, body, file));
    }
    return blocks;
  }

  serverBlock(keyTokens: LexToken[], body: LexToken[], file: string): ServerBlock {
    const keys: Token[] = [];
    for (const k of keyTokens) {
      let column = k.pos.column;
      for (const part of k.text.split(',')) {
        if (part !== '') keys.push({ text: part, pos: { ...k.pos, column } });
        column += Array.from(part).length + 1;
      }
    }
    const block: ServerBlock = { keys, addresses: [], directives: [], pos: keyTokens[0].pos };
    for (const key of keys) {
      const result = parseServerKey(key);
      if (result.ok) block.addresses.push(...result.addresses);
      else this.error(key, result.message);
    }
    block.directives = this.directives({ file, tokens: body }, [], file);
    return block;
  }

  /** A list of directives from tokens with balanced braces. */
  directives(source: Source, importStack: string[], file: string): Directive[] {
    const { tokens } = source;
    const stack: Directive[][] = [[]];
    const opens: LexToken[] = [];
    let i = 0;
    while (i < tokens.length) {
      const tok = tokens[i];
      if (isBrace(tok, '}')) {
        if (opens.length === 0) this.error(tok, `unexpected '}': there is no open '{' to close`);
        else {
          opens.pop();
          stack.pop();
        }
        i++;
        continue;
      }
      if (isBrace(tok, '{')) {
        // Read the stray block into a throwaway list so its '}' does not cascade into more errors.
        this.error(tok, `unexpected '{': a block opens at the end of a directive's line, e.g. "health {"`);
        opens.push(tok);
        stack.push([]);
        i++;
        continue;
      }
      const args: Token[] = [];
      let prev = tok;
      i++;
      while (i < tokens.length && tokens[i].pos.line === prev.endLine && !isBrace(tokens[i], '{') && !isBrace(tokens[i], '}')) {
        args.push({ text: tokens[i].text, pos: tokens[i].pos });
        prev = tokens[i];
        i++;
      }
      const current = stack[stack.length - 1];
      if (tok.text === 'import' && !tok.quoted) {
        current.push(...this.importDirectives(tok, args, importStack, file));
        continue;
      }
      const directive: Directive = { name: tok.text, args, block: null, pos: tok.pos };
      current.push(directive);
      if (i < tokens.length && isBrace(tokens[i], '{') && tokens[i].pos.line === prev.endLine) {
        directive.block = [];
        opens.push(tokens[i]);
        stack.push(directive.block);
        i++;
      }
    }
    for (const open of opens) this.error(open, `unclosed '{': expected a matching '}' before the end of the block`);
    return stack[0];
  }

  importDirectives(tok: LexToken, args: Token[], importStack: string[], file: string): Directive[] {
    if (args.length !== 1) {
      this.error(tok, `import takes exactly one argument, a snippet name or a file path; got ${args.length}`);
      return [];
    }
    const name = args[0].text;
    if (this.options.untrusted) {
      // Neither the server's files nor snippets of another text: what was checked is all that runs.
      this.error(tok, `import is not allowed here: write the directives themselves`);
      return [];
    }
    if (importStack.includes(name) || importStack.length >= maxImportDepth) {
      this.error(args[0], `import cycle: ${[...importStack, name].join(' → ')}`);
      return [];
    }
    const snippet = this.snippets.get(name);
    if (snippet) return this.directives(snippet, [...importStack, name], snippet.file);
    const path = resolve(dirname(file), name);
    const text = this.options.readFile(path);
    if (text === null) {
      this.error(args[0], `import "${name}": no snippet of that name is defined above, and no file ${path} can be read`);
      return [];
    }
    const tokens = this.lexText(text, path);
    return this.directives({ file: path, tokens }, [...importStack, name], path);
  }
}

function isBrace(tok: LexToken, brace: '{' | '}'): boolean {
  return !tok.quoted && tok.text === brace;
}

function matchBrace(tokens: LexToken[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    if (isBrace(tokens[j], '{')) depth++;
    else if (isBrace(tokens[j], '}') && --depth === 0) return j;
  }
  return -1;
}

function defaultReadFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Two blocks must not serve the same zone on the same port (no port means 53, as in CoreDNS). */
function duplicateAddresses(blocks: ServerBlock[]): CorefileError[] {
  const seen = new Map<string, Token>();
  const errors: CorefileError[] = [];
  for (const block of blocks) {
    for (const a of block.addresses) {
      const id = `${a.zone}:${a.port ?? 53}`;
      const first = seen.get(id);
      if (first && !block.keys.includes(first)) {
        errors.push({
          ...a.key.pos,
          message: `zone "${a.zone}" on port ${a.port ?? 53} is already served by the block at line ${first.pos.line}, column ${first.pos.column} (key "${first.text}")`,
        });
      } else if (!first) seen.set(id, a.key);
    }
  }
  return errors;
}

export function parseCorefile(text: string, file = 'Corefile', options: ParseOptions = {}): ParseResult {
  const parser = new Parser({ env: options.env ?? process.env, readFile: options.readFile ?? defaultReadFile, untrusted: options.untrusted ?? false });
  const blocks = parser.parseFile(text, file);
  // After a lexing error (an unterminated quote) the structure is noise: report the cause alone.
  const lexErrors = parser.errors.filter((e) => e.message.startsWith('unterminated'));
  if (lexErrors.length > 0) return { ok: false, errors: lexErrors };
  const errors = [...parser.errors, ...duplicateAddresses(blocks)];
  if (errors.length > 0) {
    errors.sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1));
    return { ok: false, errors };
  }
  const corefile: Corefile = { file, blocks };
  return { ok: true, corefile };
}
