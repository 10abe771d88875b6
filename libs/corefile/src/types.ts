// The Corefile syntax tree. Positions are 1-based and point at the token a person would fix.

export interface Position {
  file: string;
  line: number;
  column: number;
}

export interface Token {
  text: string;
  pos: Position;
}

/** `kubernetes cluster.local { pods insecure }` → name 'kubernetes', args ['cluster.local'], block [{ name: 'pods', args: ['insecure'], block: null }]. */
export interface Directive {
  name: string;
  args: Token[];
  block: Directive[] | null;
  pos: Position;
}

export interface ServerAddress {
  /** Lowercase, no trailing dot, '.' for the root. */
  zone: string;
  port: number | null;
  transport: 'dns';
  /** The key this address came from (a CIDR key gives several addresses). */
  key: Token;
}

export interface ServerBlock {
  keys: Token[];
  addresses: ServerAddress[];
  directives: Directive[];
  pos: Position;
}

export interface Corefile {
  file: string;
  blocks: ServerBlock[];
}

export interface CorefileError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export type ParseResult = { ok: true; corefile: Corefile } | { ok: false; errors: CorefileError[] };

export interface ParseOptions {
  /** Values for `{$NAME}` and `{%NAME%}`; default process.env. */
  env?: Record<string, string | undefined>;
  /** Reads a file named by `import PATH`; default fs.readFileSync. Returns null when it cannot be read. */
  readFile?: (path: string) => string | null;
  /**
   * Text from someone who may not read this machine's environment or files (a fragment): `{$NAME}`,
   * `{%NAME%}`, `import` and snippets are errors; nothing is expanded or read.
   */
  untrusted?: boolean;
}
