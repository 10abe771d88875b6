// The DNS server: its listeners (listeners.ts), its configurations and reload (reload.ts), and the
// answering (answering.ts), put together. It knows no plugin: index.ts hands it the ordered list.
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import type { CorefileError } from '@halo/corefile';
import type { ResponseCache } from '@halo/cache';
import { Answering } from './answering.ts';
import type { ListenSpec } from './config.ts';
import { Listeners } from './listeners.ts';
import { Configurations } from './reload.ts';
import { QuerySpans } from './query-spans.ts';
import { ServerScope } from './scope.ts';
import type { TcpLimits } from './tcp-listener.ts';
import type { PluginSetup, ServerContext } from './types.ts';
import type { RevisionGate } from './revision-gate.ts';

export interface LoadOptions {
  file?: string;
  /** The plugins, in the order they run; default: the registry of src/plugins.ts (wired in by index.ts). */
  plugins?: readonly PluginSetup[];
  context: ServerContext;
  /**
   * Overrides every block's port and bind address, e.g. the answerer's --dns-port. A list serves every
   * block on each address with the same plugin chains (one cache for all of them).
   */
  listen?: ListenSpec | readonly ListenSpec[];
  /** SO_REUSEPORT, so that several processes share a port (Linux). */
  reusePort?: boolean;
  /**
   * UDP I/O: `batched` (recvmmsg/sendmmsg, @halo/udp's addon), `dgram` (node:dgram), or `auto` (the
   * default: batched where the addon is built; HALO_UDP_IO=dgram forces dgram).
   */
  udpIo?: 'auto' | 'batched' | 'dgram';
  /** TCP: idle connections close after this long (default 10 s); the same as `tcp.idleMs`. */
  tcpIdleMs?: number;
  /** TCP: connections per listener (default 1000); the same as `tcp.maxConnections`. */
  tcpMaxConnections?: number;
  /** TCP limits (tcp-listener.ts, `defaultTcpLimits`): per client, per message, in flight, unsent bytes. */
  tcp?: Partial<TcpLimits>;
  /**
   * A span per query (the sampler decides which are kept). Off, a query costs one check of a field; the
   * apps turn it on when OTEL_TRACES_SAMPLER is set (`Telemetry.queryTracing`).
   */
  traceQueries?: boolean;
  /** Monotonic reads (revision-gate.ts): queries that ask for a zone revision wait for it or are refused. */
  revisions?: RevisionGate;
}

export interface DnsServer {
  addresses(): { host: string; port: number; transport: 'udp' | 'tcp' }[];
  /**
   * Builds the new chain beside the running one and swaps it in; keeps the last good config on error.
   * The text it already runs changes nothing (caches stay warm).
   */
  reload(corefileText: string): Promise<{ ok: true } | { ok: false; errors: CorefileError[] }>;
  close(): Promise<void>;
  /**
   * After `health { lameduck }` (answering as usual meanwhile), stops taking new queries and answers those
   * already received, then closes: UDP sockets leave their
   * SO_REUSEPORT group (the group's other sockets, e.g. a second node cache on the same address, get
   * every new query), TCP stops accepting. Waits at most `graceMs` (default 1000) for UDP answers in flight
   * (open TCP connections are closed with the server).
   * With node:dgram, where a socket cannot leave its group, queries queued in it at close are lost.
   */
  drain(graceMs?: number): Promise<void>;
  /**
   * Drops these names (every type, negative answers too) from the fast path and from every `cache`
   * plugin of the running configuration. Returns how many cache entries were dropped.
   */
  invalidate(names: string[]): number;
  /** The response caches of the running configuration's `cache` plugins; new instances after a reload. */
  caches(): ResponseCache[];
}

/** Starts a server with these plugins (index.ts's loadServer gives the registry). */
export async function loadServerWith(
  plugins: readonly PluginSetup[],
  corefileText: string,
  options: LoadOptions,
): Promise<{ ok: true; server: DnsServer } | { ok: false; errors: CorefileError[] }> {
  const server = new Server(plugins, options);
  const result = await server.reload(corefileText);
  if (!result.ok) {
    await server.close();
    return result;
  }
  return { ok: true, server };
}

class Server implements DnsServer {
  private readonly file: string;
  private readonly shared: ServerContext;
  private readonly configs: Configurations;
  private readonly answering: Answering;
  private readonly listeners: Listeners;
  private closed = false;
  private applying: Promise<unknown> = Promise.resolve();

  constructor(plugins: readonly PluginSetup[], options: LoadOptions) {
    this.file = options.file ?? 'Corefile';
    this.shared = { ...options.context, metrics: options.context.metrics ?? new Registry() };
    // What the plugins share across reloads (zone changes, indexes, HTTP routes).
    const scope = new ServerScope(this.shared);
    this.configs = new Configurations({ file: this.file, shared: this.shared, scope, plugins, listen: options.listen });
    this.answering = new Answering(this.shared, this.configs, options.traceQueries === true ? new QuerySpans() : null);
    this.listeners = new Listeners(options, this.shared, this.answering, () => this.closed);
  }

  addresses(): { host: string; port: number; transport: 'udp' | 'tcp' }[] {
    return this.listeners.addresses();
  }

  invalidate(names: string[]): number {
    this.answering.invalidate(names);
    let dropped = 0;
    for (const cache of this.caches()) dropped += cache.invalidate(names);
    return dropped;
  }

  caches(): ResponseCache[] {
    const out: ResponseCache[] = [];
    for (const { handler } of this.configs.config?.handlers ?? []) if (handler.responseCache) out.push(handler.responseCache);
    return out;
  }

  reload(corefileText: string): Promise<{ ok: true } | { ok: false; errors: CorefileError[] }> {
    // One reload at a time, in order.
    const run = this.applying.then(() => {
      if (this.closed) return { ok: false as const, errors: [{ file: this.file, line: 0, column: 0, message: 'the server is closed' }] };
      return this.configs.apply(corefileText, this.listeners, this.answering);
    });
    this.applying = run.catch(() => undefined);
    return run;
  }

  async drain(graceMs = 1_000): Promise<void> {
    if (this.closed) return;
    // health { lameduck }: answer as usual a while longer, as CoreDNS does, while the endpoints go.
    const lameduck = Math.max(0, ...(this.configs.config?.handlers.map(({ handler }) => handler.lameduckMs ?? 0) ?? []));
    if (lameduck > 0) {
      this.shared.logger?.info({ lameduckMs: lameduck }, 'lameduck: answering a while longer before stopping');
      await sleep(lameduck);
      if (this.closed) return;
    }
    await this.listeners.drain(graceMs);
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.applying;
    await this.listeners.closeAll();
    await this.configs.close();
  }
}
