// The sockets of a server: UDP and TCP on each listen address, handing queries to the answering, and
// the drain that lets a stopping server leave its SO_REUSEPORT groups without losing what it received.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { bindUdp, udpIo, type UdpEndpoint, type UdpHandler } from '@halo/udp';
import type { Answering } from './answering.ts';
import type { ListenSpec } from './config.ts';
import { revisionGated, type RevisionGate } from './revision-gate.ts';
import { TcpListener, tcpMetrics, type TcpLimits } from './tcp-listener.ts';
import type { ServerContext } from './types.ts';

/** drain(): how long a leaving socket keeps reading before it may close. */
const DRAIN_SETTLE_MS = 100;

export interface ListenOptions {
  reusePort?: boolean;
  udpIo?: 'auto' | 'batched' | 'dgram';
  tcpIdleMs?: number;
  tcpMaxConnections?: number;
  tcp?: Partial<TcpLimits>;
  /** Monotonic reads (revision-gate.ts): queries that ask for a zone revision wait for it or are refused. */
  revisions?: RevisionGate;
}

interface Listener {
  spec: ListenSpec;
  udp: UdpEndpoint;
  tcp: net.Server;
  port: number;
  connections: TcpListener;
}

export class Listeners {
  private readonly options: ListenOptions;
  private readonly shared: ServerContext;
  private readonly answering: Answering;
  private readonly byKey = new Map<string, Listener>();
  /** UDP queries in the plugin chain (not answered at once), for drain. */
  private pendingUdp = 0;
  /** True once the server closes: answers still coming out of the chain are not sent. */
  private readonly closed: () => boolean;

  constructor(options: ListenOptions, shared: ServerContext, answering: Answering, closed: () => boolean) {
    this.options = options;
    this.shared = shared;
    this.answering = answering;
    this.closed = closed;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  keys(): string[] {
    return [...this.byKey.keys()];
  }

  /** The port a listen key is bound to, once it is. */
  port(key: string): number | null {
    return this.byKey.get(key)?.port ?? null;
  }

  addresses(): { host: string; port: number; transport: 'udp' | 'tcp' }[] {
    const out: { host: string; port: number; transport: 'udp' | 'tcp' }[] = [];
    for (const l of this.byKey.values()) {
      out.push({ host: l.spec.host, port: l.port, transport: 'udp' }, { host: l.spec.host, port: l.port, transport: 'tcp' });
    }
    return out;
  }

  async open(key: string, spec: ListenSpec): Promise<void> {
    this.byKey.set(key, await this.listen(spec));
  }

  async close(key: string): Promise<void> {
    const l = this.byKey.get(key);
    if (!l) return;
    this.byKey.delete(key);
    await l.udp.close();
    l.connections.closeAll();
    await new Promise<void>((resolve) => l.tcp.close(() => resolve()));
  }

  async closeAll(): Promise<void> {
    for (const key of this.keys()) await this.close(key);
  }

  /**
   * UDP sockets leave their SO_REUSEPORT group and TCP stops accepting; waits at most `graceMs` for
   * the UDP queries already received to be answered.
   */
  async drain(graceMs: number): Promise<void> {
    for (const l of this.byKey.values()) {
      l.udp.leave();
      l.tcp.close();
    }
    const deadline = performance.now() + graceMs;
    // What the kernel queued before the sockets left is read within the first loop turns.
    await sleep(Math.min(DRAIN_SETTLE_MS, graceMs));
    while (this.pendingUdp > 0 && performance.now() < deadline) await sleep(5);
  }

  private async listen(spec: ListenSpec): Promise<Listener> {
    const reusePort = this.options.reusePort === true;
    const key = `${spec.host}:${spec.port}`;
    // With port 0, UDP picks the port and TCP follows; another process may hold it on TCP: retry.
    for (let attempt = 0; ; attempt++) {
      // The handler learns the port once bound (port 0 picks one); metrics label answers with it.
      const bound = { port: spec.port };
      const io = udpIo(this.options.udpIo);
      const handler = this.udpHandler(bound, key);
      const udp = await bindUdp(
        { host: spec.host, port: spec.port, reusePort, io: io.io },
        { ...handler, ...revisionGated(handler, this.options.revisions, 'udp') },
      );
      if (io.io === 'dgram' && this.options.udpIo !== 'dgram')
        this.shared.logger?.warn({ listen: key, reason: io.reason }, 'udp: node:dgram, not the batched I/O');
      const port = (bound.port = udp.port);
      const tcp = net.createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ port, host: spec.host, reusePort }, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        await udp.close();
        if (spec.port === 0 && attempt < 10) continue;
        throw err;
      }
      return { spec, udp, tcp, port, connections: this.tcpListener(tcp, key, port) };
    }
  }

  /** UDP queries of one listener: the fast path and cache hits at once, the plugin chain otherwise. */
  private udpHandler(l: { port: number }, key: string): UdpHandler {
    const log = this.shared.logger;
    const answering = this.answering;
    return {
      answerNow: (query, family) => answering.answerNow(query, 'udp', key, l.port, family === 6 ? '2' : '1'),
      answerNowInto: (query, family, out, at, room) => answering.answerNowInto(query, 'udp', key, l.port, family === 6 ? '2' : '1', out, at, room),
      answer: async (query, peer) => {
        this.pendingUdp++;
        try {
          const reply = await answering.answer(query, 'udp', key, l.port, peer);
          return this.closed() ? null : reply;
        } finally {
          this.pendingUdp--;
        }
      },
      onError: (err) => log?.error({ err, listen: key }, 'answering a udp query failed'),
    };
  }

  /** TCP queries of one listener, within the limits of tcp-listener.ts. */
  private tcpListener(tcp: net.Server, key: string, port: number): TcpListener {
    const o = this.options;
    const limits: Partial<TcpLimits> = {
      ...(o.tcpIdleMs !== undefined ? { idleMs: o.tcpIdleMs } : {}),
      ...(o.tcpMaxConnections !== undefined ? { maxConnections: o.tcpMaxConnections } : {}),
      ...o.tcp,
    };
    const answering = this.answering;
    return new TcpListener(
      tcp,
      revisionGated(
        {
          answerNow: (wire: Buffer, family: '1' | '2') => answering.answerNow(wire, 'tcp', key, port, family),
          answer: (wire: Buffer, remote: { address: string; port: number }) => answering.answer(wire, 'tcp', key, port, remote),
        },
        this.options.revisions,
        'tcp',
      ),
      { limits, metrics: tcpMetrics(this.shared.metrics as Registry), logger: this.shared.logger, listen: key },
    );
  }
}
