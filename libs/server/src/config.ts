// From a Corefile to running plugin chains: one chain per server block, plugins in the order of the
// list it is given (src/plugins.ts, wired in by index.ts: this file knows no plugin).
import { parseCorefile, type CorefileError, type Directive, type ServerBlock } from '@halo/corefile';
import type { ServerScope } from './scope.ts';
import type { DnsRequest, DnsResponse, Handler, PluginSetup, ServerContext, TtlCountdown, WireAnswerer } from './types.ts';

export interface BlockChain {
  /** Lowercase, no trailing dot, '.' for the root. */
  zone: string;
  /** The configured listen key `host:port` this block is served on. */
  listenKey: string;
  serverBlock: ServerBlock;
  handlers: Handler[];
  /** What the block's plugins declare, read once the block is set up (see Handler's capabilities). */
  traits: BlockTraits;
}

/** The block as the core sees it: read from its plugins' declarations, never from their names. */
export interface BlockTraits {
  /** Every plugin leaves fresh answers from downstream as they are (or shuffled): see Handler.transparent. */
  transparent: boolean;
  /** A plugin must see every query: nothing is answered from pre-encoded answers or wire copies. */
  everyQuery: boolean;
  /** A plugin reorders A/AAAA/MX answers on each query (the core shuffles its copies). */
  shuffles: boolean;
  /** Plugins whose authoritative answers may be pre-encoded (Handler.fastPathWriter), by name as runChain reports them. */
  writers: ReadonlySet<string>;
  /** The first plugin answering from the wire (and its name), when only transparent plugins run ahead of it; else null. */
  wire: { answerer: WireAnswerer; plugin: string } | null;
  /** The first plugin whose replies count their TTL down (and its name), when only transparent plugins run ahead of it; else null. */
  countdown: { source: TtlCountdown; plugin: string } | null;
}

/** Reads the traits of a block's chain. */
export function traitsOf(handlers: readonly Handler[]): BlockTraits {
  let wire: BlockTraits['wire'] = null;
  let countdown: BlockTraits['countdown'] = null;
  for (const h of handlers) {
    if (h.everyQuery === true) break;
    if (h.ttlCountdown !== undefined) countdown = { source: h.ttlCountdown, plugin: h.name };
    if (h.wire !== undefined) wire = { answerer: h.wire, plugin: h.name };
    if (h.wire !== undefined || h.ttlCountdown !== undefined || h.transparent !== true) break;
  }
  const everyQuery = handlers.some((h) => h.everyQuery === true);
  return {
    transparent: handlers.every((h) => h.transparent === true),
    everyQuery,
    shuffles: handlers.some((h) => h.shufflesAnswers === true),
    writers: new Set(handlers.filter((h) => h.fastPathWriter === true).map((h) => h.name)),
    wire: everyQuery ? null : wire,
    countdown: everyQuery ? null : countdown,
  };
}

export interface ListenSpec {
  host: string;
  port: number;
}

export interface RunningConfig {
  blocks: BlockChain[];
  /** Every handler of every block, with the directive it came from. */
  handlers: { handler: Handler; directive: Directive }[];
  listens: Map<string, ListenSpec>;
  closers: (() => void | Promise<void>)[];
}

export interface BuildOptions {
  file: string;
  shared: ServerContext;
  /** The server's scope, handed to every plugin's setup. */
  scope: ServerScope;
  /** Replaces every block's address; a list serves each block on every address. */
  listen?: ListenSpec | readonly ListenSpec[];
  invalidate(names: string[]): void;
  /** The plugins, in the order they run. */
  plugins: readonly PluginSetup[];
  /** Parse as text from someone who may not read the environment or files (see parseCorefile). */
  untrusted?: boolean;
  /** The port a listen key is bound to, once it is (for SetupContext.listening). */
  boundPort?(listenKey: string): number | null;
}

export type BuildResult = { ok: true; config: RunningConfig } | { ok: false; errors: CorefileError[] };

const DEFAULT_PORT = 53;
const DEFAULT_HOST = '0.0.0.0';

function at(pos: { file: string; line: number; column: number }, message: string): CorefileError {
  return { file: pos.file, line: pos.line, column: pos.column, message };
}

/** Parses and sets up every plugin. On any error, closes what was set up and returns all errors. */
export function buildConfig(text: string, options: BuildOptions): BuildResult {
  const parsed = parseCorefile(text, options.file, options.untrusted ? { untrusted: true } : {});
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const known = options.plugins;
  const byName = new Map(known.map((p) => [p.name, p]));
  const errors: CorefileError[] = [];
  const blocks: BlockChain[] = [];
  const all: { handler: Handler; directive: Directive }[] = [];
  const listens = new Map<string, ListenSpec>();
  const closers: (() => void | Promise<void>)[] = [];
  const seen = new Map<string, string>();

  for (const sb of parsed.corefile.blocks) {
    for (const d of sb.directives) {
      if (!byName.has(d.name)) errors.push(at(d.pos, `unknown plugin "${d.name}"`));
    }
    const handlers: Handler[] = [];
    // Filled below, after the plugins' setup: read by them only once the server listens.
    const blockListens: ListenSpec[] = [];
    const listening = () => blockListens.map((l) => ({ host: l.host, port: options.boundPort?.(`${l.host}:${l.port}`) ?? l.port }));
    for (const plugin of known) {
      const ds = sb.directives.filter((d) => d.name === plugin.name);
      if (plugin.once && ds.length > 1) {
        errors.push(at(ds[1].pos, `${plugin.name}: this plugin can only be used once per server block`));
        continue;
      }
      for (const d of ds) {
        let result: Handler | CorefileError[];
        try {
          result = plugin.setup(d, {
            file: options.file,
            serverBlock: sb,
            shared: options.shared,
            scope: options.scope,
            onClose: (fn) => closers.push(fn),
            invalidate: options.invalidate,
            handlers: () => all.map((h) => h.handler),
            blockHandlers: () => handlers,
            listening,
          });
        } catch (err) {
          result = [at(d.pos, `${plugin.name}: ${err instanceof Error ? err.message : String(err)}`)];
        }
        if (Array.isArray(result)) {
          errors.push(...result);
        } else {
          handlers.push(result);
          all.push({ handler: result, directive: d });
        }
      }
    }
    const traits = traitsOf(handlers);
    for (const addr of sb.addresses) {
      const overrides = options.listen === undefined ? [] : Array.isArray(options.listen) ? options.listen : [options.listen as ListenSpec];
      const targets: readonly ListenSpec[] = overrides.length > 0 ? overrides : [{ host: DEFAULT_HOST, port: addr.port ?? DEFAULT_PORT }];
      const keyPos = (addr as { key?: { pos: ServerBlock['pos'] } }).key?.pos ?? sb.pos;
      for (const listen of targets) {
        const listenKey = `${listen.host}:${listen.port}`;
        const dup = `${addr.zone}@${listenKey}`;
        if (seen.has(dup)) {
          errors.push(at(keyPos, `zone ${addr.zone} on port ${listen.port} is already defined by another server block`));
          continue;
        }
        seen.set(dup, listenKey);
        listens.set(listenKey, { host: listen.host, port: listen.port });
        blockListens.push({ host: listen.host, port: listen.port });
        blocks.push({ zone: addr.zone, listenKey, serverBlock: sb, handlers, traits });
      }
    }
  }
  const config: RunningConfig = { blocks, handlers: all, listens, closers };
  if (errors.length > 0) {
    void closeConfig(config);
    return { ok: false, errors };
  }
  return { ok: true, config };
}

export async function closeConfig(config: RunningConfig): Promise<void> {
  for (const { handler } of config.handlers) {
    try {
      await handler.close?.();
    } catch {
      // Closing is best effort: one plugin's failure must not keep the others open.
    }
  }
  for (const fn of config.closers) {
    try {
      await fn();
    } catch {
      // As above.
    }
  }
}

/** The block serving `qnameLower` on a listen key: the longest matching zone. */
export function matchBlock(blocks: readonly BlockChain[], listenKey: string, qnameLower: string): BlockChain | null {
  let best: BlockChain | null = null;
  for (const b of blocks) {
    if (b.listenKey !== listenKey) continue;
    const z = b.zone;
    // Per query on the cache's hit path: no `.${z}` string built for every block.
    const inZone =
      z === '.' ||
      qnameLower === z ||
      (qnameLower.length > z.length && qnameLower.endsWith(z) && qnameLower.charCodeAt(qnameLower.length - z.length - 1) === DOT);
    if (inZone && (!best || zoneLength(z) > zoneLength(best.zone))) best = b;
  }
  return best;
}

const DOT = 0x2e;

function zoneLength(zone: string): number {
  return zone === '.' ? 0 : zone.length;
}

export interface ChainResult {
  response: DnsResponse;
  /** The plugin that wrote the response ('' when the chain ran out). */
  plugin: string;
  /** True when a plugin outside the writer returned a different response object. */
  replaced: boolean;
}

export function servfail(): DnsResponse {
  return { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };
}

/** Runs a chain. Plugins that change a response return a new object, so the writer can be told apart. */
export async function runChain(handlers: readonly Handler[], req: DnsRequest): Promise<ChainResult> {
  const state = { plugin: '', replaced: false };
  const step = async (i: number, r: DnsRequest): Promise<DnsResponse> => {
    if (i >= handlers.length) return servfail();
    const h = handlers[i];
    let downstream: DnsResponse | undefined;
    const res = await h.serve(r, async (r2) => {
      downstream = await step(i + 1, r2);
      return downstream;
    });
    if (res !== downstream) {
      if (state.plugin === '') state.plugin = h.name;
      else state.replaced = true;
    }
    return res;
  };
  const response = await step(0, req);
  return { response, plugin: state.plugin, replaced: state.replaced };
}
