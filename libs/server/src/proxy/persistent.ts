// Persistent connections to one upstream (CoreDNS's plugin/pkg/proxy/persistent.go): one UDP socket
// shared by concurrent queries, closed once idle.
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { ExchangeFailure, upstreamName, withId, type UpstreamAddress } from './connect.ts';

interface Pending {
  resolve(reply: Buffer): void;
  reject(err: ExchangeFailure): void;
  timer: NodeJS.Timeout;
}

/**
 * One UDP socket to one upstream, shared by concurrent queries told apart by message ID, closed
 * after `expireMs` without queries (CoreDNS's `expire` for its cached connections).
 */
export class UdpChannel {
  private socket: dgram.Socket | null = null;
  private readonly pending = new Map<number, Pending>();
  private idle: NodeJS.Timeout | null = null;
  private readonly to: UpstreamAddress;
  private readonly expireMs: number;

  constructor(to: UpstreamAddress, expireMs: number) {
    this.to = to;
    this.expireMs = expireMs;
  }

  private open(): dgram.Socket {
    if (this.socket) return this.socket;
    const socket = dgram.createSocket(net.isIPv6(this.to.host) ? 'udp6' : 'udp4');
    socket.unref();
    socket.on('message', (reply, rinfo) => {
      if (reply.length < 12 || rinfo.port !== this.to.port) return;
      const p = this.pending.get(reply.readUInt16BE(0));
      if (!p) return;
      this.pending.delete(reply.readUInt16BE(0));
      clearTimeout(p.timer);
      p.resolve(reply);
      this.armIdle();
    });
    socket.on('error', (err) => this.fail(new ExchangeFailure('NETWORK', `UDP to ${upstreamName(this.to)}: ${err.message}`)));
    this.socket = socket;
    return socket;
  }

  private armIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    if (this.pending.size > 0) return;
    this.idle = setTimeout(() => this.close(), this.expireMs);
    this.idle.unref();
  }

  /** Rejects everything in flight and drops the socket; the next query opens a new one. */
  private fail(err: ExchangeFailure): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.close();
  }

  close(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.socket?.close();
    this.socket = null;
  }

  /** True while the socket of earlier queries is still open: the next query reuses it. */
  get reusable(): boolean {
    return this.socket !== null;
  }

  /** Sends the message under an ID no other query in flight uses; the reply carries that ID. */
  exchange(message: Buffer, timeoutMs: number): Promise<Buffer> {
    const socket = this.open();
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    let id = randomInt(0, 65536);
    while (this.pending.has(id)) id = randomInt(0, 65536);
    const wire = withId(message, id);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.armIdle();
        reject(new ExchangeFailure('TIMEOUT', `no UDP reply from ${upstreamName(this.to)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.send(wire, this.to.port, this.to.host, (err) => {
        if (!err || !this.pending.has(id)) return;
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new ExchangeFailure('NETWORK', `UDP to ${upstreamName(this.to)}: ${err.message}`));
      });
    });
  }
}
