// Small helpers every plugin's setup uses to report errors at the offending token.
import { normalizeZone, type CorefileError, type Directive, type Token } from '@halo/corefile';

export function errorAt(plugin: string, at: { pos: { file: string; line: number; column: number } }, message: string): CorefileError {
  return { file: at.pos.file, line: at.pos.line, column: at.pos.column, message: `${plugin}: ${message}` };
}

/** Errors for every argument past `max`, and for a block when none is allowed. */
export function noMore(plugin: string, d: Directive, max: number, blockAllowed = false): CorefileError[] {
  const errors: CorefileError[] = [];
  if (d.args.length > max) errors.push(errorAt(plugin, d.args[max], `unexpected argument "${d.args[max].text}"`));
  if (!blockAllowed && d.block) errors.push(errorAt(plugin, d, 'takes no block'));
  return errors;
}

/** `host:port`, `:port` or `host`; port 0 allowed (tests). No host: `defaultHost`. */
export function parseHostPort(plugin: string, tok: Token, defaultPort: number, defaultHost = '0.0.0.0'): { host: string; port: number } | CorefileError {
  const text = tok.text;
  const m = /^(?:\[([^\]]+)\]|([^:]*))(?::([0-9]+))?$/.exec(text);
  if (!m) return errorAt(plugin, tok, `"${text}" is not an address (host:port)`);
  const host = m[1] ?? (m[2] || defaultHost);
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return errorAt(plugin, tok, `port in "${text}" is out of range`);
  return { host, port };
}

/** Go-style durations as CoreDNS takes them: `5s`, `100ms`, `1m30s`. Milliseconds, or null. */
export function parseDurationMs(text: string): number | null {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  if (text === '0') return 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return null;
    total += Number(m[1]) * units[m[2]];
    at = re.lastIndex;
  }
  return at === 0 ? null : total;
}

/** Zone arguments of a plugin (`hosts FILE ZONES…`, `template CLASS TYPE ZONES…`), each error at its token. */
export function zonesOf(plugin: string, tokens: Token[], errors: CorefileError[]): string[] {
  const zones: string[] = [];
  for (const t of tokens) {
    const z = normalizeZone(t.text);
    if (typeof z === 'string') zones.push(z);
    else errors.push(errorAt(plugin, t, `"${t.text}" is not a zone: ${z.reason}`));
  }
  return zones;
}
