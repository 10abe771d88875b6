// cache [TTL] [ZONES...] { success CAPACITY [TTL] [MINTTL]; denial CAPACITY [TTL] [MINTTL];
//   prefetch AMOUNT [[DURATION] [PERCENTAGE%]]; serve_stale [DURATION] [REFRESH_MODE];
//   disable success|denial [ZONES...]; keepttl }
import { parseServerKey } from '@halo/corefile';
import type { CorefileError, Directive, Token } from '@halo/corefile';
import { DEFAULT_DENIAL, DEFAULT_SUCCESS } from '@halo/cache';
import type { PrefetchOptions, ServeStaleOptions, TtlLimits } from '@halo/cache';
import type { PluginSetup, SetupContext } from '../../plugin.ts';
import { parseDurationMs as parseDuration } from '../args.ts';
import { CacheHandler } from './handler.ts';

export interface CacheConfig {
  /** Normalized zones the cache is for: lowercase, no trailing dot, '.' for the root. */
  zones: string[];
  success: TtlLimits;
  denial: TtlLimits;
  prefetch?: PrefetchOptions;
  serveStale?: ServeStaleOptions;
  disable: { success: string[]; denial: string[] };
  keepTtl: boolean;
}

type At = { pos: { file: string; line: number; column: number } };

function fail(at: At, message: string): CorefileError {
  return { file: at.pos.file, line: at.pos.line, column: at.pos.column, message: `cache: ${message}` };
}

const DEFAULT_PREFETCH_DURATION_MS = 60_000;
const DEFAULT_PREFETCH_PERCENTAGE = 10;
const DEFAULT_STALE_DURATION_MS = 3_600_000;

function integer(tok: Token, what: string, min: number): number | CorefileError {
  if (!/^[0-9]+$/.test(tok.text) || Number(tok.text) < min) return fail(tok, `${what} must be an integer ≥ ${min}, got "${tok.text}"`);
  return Number(tok.text);
}

function zonesOf(tokens: Token[], errors: CorefileError[]): string[] {
  const zones: string[] = [];
  for (const tok of tokens) {
    const parsed = parseServerKey(tok);
    if (!parsed.ok) errors.push(fail(tok, parsed.message));
    else for (const a of parsed.addresses) if (!zones.includes(a.zone)) zones.push(a.zone);
  }
  return zones;
}

/** `success|denial CAPACITY [TTL] [MINTTL]` */
function limits(d: Directive, base: TtlLimits, errors: CorefileError[]): TtlLimits {
  const [cap, ttl, minTtl, ...rest] = d.args;
  if (!cap) {
    errors.push(fail(d, `${d.name} needs CAPACITY: ${d.name} CAPACITY [TTL] [MINTTL]`));
    return base;
  }
  if (rest.length > 0) errors.push(fail(rest[0], `${d.name} takes at most CAPACITY TTL MINTTL; unexpected "${rest[0].text}"`));
  const out = { ...base };
  const c = integer(cap, `${d.name} CAPACITY`, 0);
  if (typeof c === 'number') out.capacity = c;
  else errors.push(c);
  if (ttl) {
    // A TTL of 0 is reserved, as in CoreDNS.
    const t = integer(ttl, `${d.name} TTL`, 1);
    if (typeof t === 'number') out.maxTtl = t;
    else errors.push(t);
  }
  if (minTtl) {
    const t = integer(minTtl, `${d.name} MINTTL`, 0);
    if (typeof t === 'number') out.minTtl = t;
    else errors.push(t);
  }
  if (out.minTtl > out.maxTtl) errors.push(fail(minTtl ?? d, `${d.name} MINTTL ${out.minTtl} is above its TTL ${out.maxTtl}`));
  return out;
}

/** `prefetch AMOUNT [[DURATION] [PERCENTAGE%]]` */
function prefetch(d: Directive, errors: CorefileError[]): PrefetchOptions | undefined {
  const [amountTok, ...rest] = d.args;
  if (!amountTok) {
    errors.push(fail(d, 'prefetch needs AMOUNT: prefetch AMOUNT [[DURATION] [PERCENTAGE%]]'));
    return undefined;
  }
  const amount = integer(amountTok, 'prefetch AMOUNT', 1);
  if (typeof amount !== 'number') {
    errors.push(amount);
    return undefined;
  }
  const out: PrefetchOptions = { amount, durationMs: DEFAULT_PREFETCH_DURATION_MS, percentage: DEFAULT_PREFETCH_PERCENTAGE };
  let i = 0;
  if (rest[i] && !rest[i].text.endsWith('%')) {
    const ms = parseDuration(rest[i].text);
    if (ms === null || ms <= 0) errors.push(fail(rest[i], `prefetch DURATION must be a positive duration like 1m or 30s, got "${rest[i].text}"`));
    else out.durationMs = ms;
    i++;
  }
  if (rest[i]) {
    const text = rest[i].text;
    const pct = /^([0-9]+)%$/.exec(text);
    if (!pct) errors.push(fail(rest[i], `prefetch PERCENTAGE must be a whole number followed by %, like 10%, got "${text}"`));
    else if (Number(pct[1]) < 10 || Number(pct[1]) > 90) errors.push(fail(rest[i], `prefetch PERCENTAGE must be between 10% and 90%, got ${text}`));
    else out.percentage = Number(pct[1]);
    i++;
  }
  if (rest[i]) errors.push(fail(rest[i], `prefetch takes at most AMOUNT DURATION PERCENTAGE%; unexpected "${rest[i].text}"`));
  return out;
}

/** `serve_stale [DURATION] [REFRESH_MODE]` */
function serveStale(d: Directive, errors: CorefileError[]): ServeStaleOptions | undefined {
  const out: ServeStaleOptions = { durationMs: DEFAULT_STALE_DURATION_MS, refreshMode: 'immediate' };
  const [durTok, modeTok, ...rest] = d.args;
  if (durTok) {
    const ms = parseDuration(durTok.text);
    if (ms === null) errors.push(fail(durTok, `serve_stale DURATION must be a duration like 1h or 30m, got "${durTok.text}"`));
    else out.durationMs = ms;
  }
  if (modeTok) {
    if (modeTok.text === 'immediate' || modeTok.text === 'verified') out.refreshMode = modeTok.text;
    else errors.push(fail(modeTok, `serve_stale REFRESH_MODE must be immediate or verified, got "${modeTok.text}"`));
  }
  if (rest.length > 0) errors.push(fail(rest[0], `serve_stale takes at most DURATION REFRESH_MODE; unexpected "${rest[0].text}"`));
  return out;
}

/** Parses one `cache` directive; `blockZones` are the zones of its server block (used when it names none). */
export function parseCache(d: Directive, blockZones: string[]): { ok: true; config: CacheConfig } | { ok: false; errors: CorefileError[] } {
  const errors: CorefileError[] = [];
  let success = { ...DEFAULT_SUCCESS };
  let denial = { ...DEFAULT_DENIAL };
  let args = d.args;
  if (args.length > 0 && /^-?[0-9]+$/.test(args[0].text)) {
    const ttl = integer(args[0], 'TTL', 1);
    if (typeof ttl === 'number') {
      success = { ...success, maxTtl: ttl };
      denial = { ...denial, maxTtl: ttl };
    } else errors.push(ttl);
    args = args.slice(1);
  }
  const named = zonesOf(args, errors);
  const zones = named.length > 0 ? named : [...new Set(blockZones)];
  const config: CacheConfig = { zones, success, denial, disable: { success: [], denial: [] }, keepTtl: false };
  const seen = new Set<string>();
  for (const sub of d.block ?? []) {
    if (seen.has(sub.name) && sub.name !== 'disable') errors.push(fail(sub, `${sub.name} is given twice`));
    seen.add(sub.name);
    if (sub.block !== null) errors.push(fail(sub, `${sub.name} takes no block`));
    switch (sub.name) {
      case 'success':
        config.success = limits(sub, config.success, errors);
        break;
      case 'denial':
        config.denial = limits(sub, config.denial, errors);
        break;
      case 'prefetch':
        config.prefetch = prefetch(sub, errors);
        break;
      case 'serve_stale':
        config.serveStale = serveStale(sub, errors);
        break;
      case 'disable': {
        const [kind, ...zoneToks] = sub.args;
        if (!kind || (kind.text !== 'success' && kind.text !== 'denial')) {
          errors.push(fail(kind ?? sub, `disable needs success or denial: disable success|denial [ZONES...]${kind ? `, got "${kind.text}"` : ''}`));
          break;
        }
        const z = zonesOf(zoneToks, errors);
        config.disable[kind.text].push(...(z.length > 0 ? z : zones));
        break;
      }
      case 'keepttl':
        if (sub.args.length > 0) errors.push(fail(sub.args[0], `keepttl takes no arguments, got "${sub.args[0].text}"`));
        config.keepTtl = true;
        break;
      default:
        errors.push(fail(sub, `unknown property "${sub.name}" (known: success, denial, prefetch, serve_stale, disable, keepttl)`));
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config };
}

/** CoreDNS's `server` label: the scheme and the listening port of the block, e.g. `dns://:53`. */
function serverLabel(ctx: SetupContext): string {
  const port = ctx.serverBlock.addresses.find((a) => a.port !== null)?.port ?? 53;
  return `dns://:${port}`;
}

export const plugin: PluginSetup = {
  name: 'cache',
  once: true,
  setup(d: Directive, ctx: SetupContext) {
    const parsed = parseCache(
      d,
      ctx.serverBlock.addresses.map((a) => a.zone),
    );
    if (!parsed.ok) return parsed.errors;
    const { config } = parsed;
    const handler = new CacheHandler(config, {
      metrics: ctx.shared.metrics
        ? { registry: ctx.shared.metrics, server: serverLabel(ctx), zones: config.zones.map((z) => (z === '.' ? '.' : z + '.')).join(','), view: '' }
        : undefined,
    });
    // Zone changes (the *kubernetes* plugin) drop the names they touched.
    ctx.onClose(ctx.scope.onZoneChange((names) => handler.invalidate(names)));
    return handler;
  },
};
