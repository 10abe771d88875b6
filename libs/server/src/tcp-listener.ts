// DNS over TCP for one listener, held up under abuse as RFC 7766 advises (sections 6.2.3, 10): a cap on
// connections per client under the listener's cap, a deadline for each whole message (not only for idle
// time, so one byte a second holds no slot), a cap on queries in flight per connection, and a bound on the
// answers waiting to be sent, past which the connection is not read until the client reads.
import net from 'node:net';
import { Counter, Gauge, type Registry } from 'prom-client';
import { frameTcp } from '@halo/dns';
import type { Logger } from './types.ts';

export interface TcpLimits {
  /** Connections of the listener; beyond it an idle connection of the client that holds the most is closed, or the new one. */
  maxConnections: number;
  /** Connections of one client (an IPv4 address, an IPv6 /64). */
  maxConnectionsPerClient: number;
  /** A connection with nothing to read or write for this long is closed. */
  idleMs: number;
  /** A message (its length and body) must arrive whole within this long of its first byte. */
  messageMs: number;
  /** Queries of one connection in the plugin chain at once; beyond it the connection is not read. */
  maxInflight: number;
  /** Answers of one connection waiting to be sent, in bytes; beyond it the connection is not read. */
  maxUnsentBytes: number;
}

export const defaultTcpLimits: TcpLimits = {
  maxConnections: 1000,
  maxConnectionsPerClient: 64,
  idleMs: 10_000,
  messageMs: 5_000,
  maxInflight: 32,
  maxUnsentBytes: 64 * 1024,
};

/** How the listener answers a query: at once (the fast path, a cache hit), or through the plugin chain. */
export interface TcpAnswerer {
  answerNow(wire: Buffer, family: '1' | '2'): Buffer | null;
  answer(wire: Buffer, remote: { address: string; port: number }): Promise<Buffer | null>;
}

type CloseReason = 'idle' | 'message_deadline' | 'client_limit' | 'listener_full' | 'evicted' | 'error';

export interface TcpMetrics {
  connections: Gauge;
  unsentBytes: Gauge;
  closed: Counter<'reason'>;
}

const byRegistry = new WeakMap<Registry, TcpMetrics>();

/** One set per registry, shared by every listener that reports to it. */
export function tcpMetrics(registry: Registry): TcpMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;
  const registers = [registry];
  const m: TcpMetrics = {
    connections: new Gauge({ name: 'halo_dns_tcp_connections', help: 'Open DNS-over-TCP connections.', registers }),
    unsentBytes: new Gauge({
      name: 'halo_dns_tcp_unsent_bytes',
      help: 'Bytes of TCP answers written but not yet handed to the kernel, over every connection.',
      registers,
    }),
    closed: new Counter({
      name: 'halo_dns_tcp_closed_total',
      help: 'TCP connections the server closed or refused, by reason.',
      labelNames: ['reason'],
      registers,
    }),
  };
  byRegistry.set(registry, m);
  return m;
}

/** The client a connection counts against: its IPv4 address, or the /64 of its IPv6 address. */
export function clientKey(address: string): string {
  const v4 = /^::ffff:([0-9.]+)$/i.exec(address);
  if (v4) return v4[1];
  if (!net.isIPv6(address)) return address;
  const [head, tail = ''] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups] : headGroups;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export function familyOf(address: string): '1' | '2' {
  return address.includes(':') && !address.startsWith('::ffff:') ? '2' : '1';
}

/** One message at a time from a TCP stream of length-prefixed DNS messages. */
class MessageStream {
  private chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** Bytes received and not yet taken as a message. */
  get buffered(): number {
    return this.size;
  }

  /** True when bytes of a message are here but not the whole of it. */
  get partial(): boolean {
    if (this.size === 0) return false;
    if (this.size < 2) return true;
    return this.size < 2 + this.peekLength();
  }

  next(): Buffer | null {
    if (this.size < 2) return null;
    const length = this.peekLength();
    if (this.size < 2 + length) return null;
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    // A copy: the rest stays in `all`, which may be a large chunk the message must not keep alive.
    const message = Buffer.from(all.subarray(2, 2 + length));
    const rest = all.subarray(2 + length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return message;
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first.length >= 2) return first.readUInt16BE(0);
    return (first[0] << 8) | (this.chunks[1] ?? Buffer.alloc(1))[0];
  }
}

interface Connection {
  socket: net.Socket;
  client: string;
  inflight: number;
  unsent: number;
  lastActive: number;
  closed: boolean;
  reason: CloseReason | null;
}

export interface TcpListenerOptions {
  limits?: Partial<TcpLimits>;
  metrics: TcpMetrics;
  logger?: Logger;
  listen: string;
}

/** The connections of one `net.Server`, answered by `answerer` within `limits`. */
export class TcpListener {
  private readonly limits: TcpLimits;
  private readonly connections = new Set<Connection>();
  private readonly perClient = new Map<string, Set<Connection>>();
  private readonly metrics: TcpMetrics;

  constructor(server: net.Server, answerer: TcpAnswerer, options: TcpListenerOptions) {
    this.limits = { ...defaultTcpLimits, ...options.limits };
    this.metrics = options.metrics;
    const log = options.logger;
    server.on('error', (err) => log?.error({ err, listen: options.listen }, 'tcp server error'));
    server.on('connection', (socket) => this.accept(socket, answerer));
  }

  /** Open connections, and the bytes of answers they have not sent yet. */
  stats(): { connections: number; unsentBytes: number } {
    let unsentBytes = 0;
    for (const c of this.connections) unsentBytes += c.unsent;
    return { connections: this.connections.size, unsentBytes };
  }

  closeAll(): void {
    for (const c of [...this.connections]) c.socket.destroy();
  }

  private close(c: Connection, reason: CloseReason): void {
    if (c.reason === null) c.reason = reason;
    c.socket.destroy();
  }

  private accept(socket: net.Socket, answerer: TcpAnswerer): void {
    const address = socket.remoteAddress ?? '';
    const client = clientKey(address);
    const mine = this.perClient.get(client);
    if ((mine?.size ?? 0) >= this.limits.maxConnectionsPerClient) {
      this.metrics.closed.inc({ reason: 'client_limit' });
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.limits.maxConnections && !this.evictFor(client)) {
      this.metrics.closed.inc({ reason: 'listener_full' });
      socket.destroy();
      return;
    }
    const c: Connection = { socket, client, inflight: 0, unsent: 0, lastActive: performance.now(), closed: false, reason: null };
    this.connections.add(c);
    if (mine) mine.add(c);
    else this.perClient.set(client, new Set([c]));
    this.metrics.connections.inc();
    this.serve(c, answerer, { address, port: socket.remotePort ?? 0 });
  }

  /**
   * Makes room for a client that holds fewer connections than the biggest holder: that holder's connection
   * idle the longest (no query in flight) is closed. A client never evicts its own connections.
   */
  private evictFor(client: string): boolean {
    const own = this.perClient.get(client)?.size ?? 0;
    let biggest: Set<Connection> | null = null;
    for (const [key, set] of this.perClient) if (key !== client && set.size > own && (!biggest || set.size > biggest.size)) biggest = set;
    if (!biggest) return false;
    let victim: Connection | null = null;
    for (const c of biggest) if (c.inflight === 0 && (!victim || c.lastActive < victim.lastActive)) victim = c;
    if (!victim) return false;
    this.close(victim, 'evicted');
    return true;
  }

  private serve(c: Connection, answerer: TcpAnswerer, remote: { address: string; port: number }): void {
    const { socket } = c;
    const limits = this.limits;
    const family = familyOf(remote.address);
    const stream = new MessageStream();
    let deadline: NodeJS.Timeout | null = null;
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleMs, () => this.close(c, 'idle'));
    socket.on('error', () => this.close(c, 'error'));
    socket.on('close', () => {
      c.closed = true;
      if (deadline) clearTimeout(deadline);
      this.connections.delete(c);
      const set = this.perClient.get(c.client);
      set?.delete(c);
      if (set?.size === 0) this.perClient.delete(c.client);
      this.metrics.connections.dec();
      // Answers never handed to the kernel are gone with the socket.
      this.metrics.unsentBytes.dec(c.unsent);
      c.unsent = 0;
      if (c.reason !== null && c.reason !== 'error') this.metrics.closed.inc({ reason: c.reason });
    });

    const send = (reply: Buffer): void => {
      if (c.closed) return;
      const framed = frameTcp(reply);
      c.unsent += framed.length;
      this.metrics.unsentBytes.inc(framed.length);
      c.lastActive = performance.now();
      socket.write(framed, () => {
        if (c.closed) return;
        c.unsent -= framed.length;
        this.metrics.unsentBytes.dec(framed.length);
        pump();
      });
    };

    // Takes messages while the connection is within its limits; otherwise leaves them unread in the socket.
    const pump = (): void => {
      while (!c.closed && c.inflight < limits.maxInflight && c.unsent < limits.maxUnsentBytes) {
        const message = stream.next();
        if (message === null) break;
        c.lastActive = performance.now();
        const now = answerer.answerNow(message, family);
        if (now) {
          send(now);
          continue;
        }
        c.inflight++;
        answerer.answer(message, remote).then(
          (reply) => {
            c.inflight--;
            if (reply) send(reply);
            else this.close(c, 'error');
            pump();
          },
          () => {
            c.inflight--;
            this.close(c, 'error');
          },
        );
      }
      if (c.closed) return;
      const full = c.inflight >= limits.maxInflight || c.unsent >= limits.maxUnsentBytes;
      if (full && !socket.isPaused()) socket.pause();
      else if (!full && socket.isPaused()) socket.resume();
      // A message begun must end in time, however slowly its bytes come; waiting on our own limits does not count.
      if (stream.partial && deadline === null) {
        deadline = setTimeout(() => this.close(c, 'message_deadline'), limits.messageMs);
      } else if (!stream.partial && deadline !== null) {
        clearTimeout(deadline);
        deadline = null;
      }
    };

    socket.on('data', (chunk: Buffer) => {
      stream.push(chunk);
      pump();
    });
  }
}
