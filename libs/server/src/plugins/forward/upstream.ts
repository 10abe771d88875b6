// The forwarder core, usable without the plugin (the node cache uses it too): a pool of upstream
// resolvers, each health-checked; a query goes to one upstream after another (by policy, healthy ones
// first), round after round, until one answers with something other than SERVFAIL/REFUSED, every
// upstream is marked down, or the deadline passes.
import { setTimeout as sleep } from 'node:timers/promises';
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';

export interface UpstreamAddress {
  host: string;
  port: number;
}

export type UpstreamPolicy = 'random' | 'round_robin' | 'sequential';

export interface UpstreamPoolOptions {
  policy: UpstreamPolicy;
  /** Always TCP to upstreams. */
  forceTcp: boolean;
  /** UDP to upstreams even when the client asked over TCP. */
  preferUdp: boolean;
  /** Consecutive failures (queries or health checks) that mark an upstream down; 0 never marks it down. */
  maxFails: number;
  /** How often each upstream is health-checked (`. IN NS`); 0 turns the checks off. */
  healthCheckIntervalMs: number;
  healthCheckRecursionDesired: boolean;
  healthCheckDomain: string;
  /** How long one try at one upstream may take before the next upstream is tried. */
  attemptTimeoutMs: number;
  /** How long the whole exchange may take, all tries together. */
  deadlineMs: number;
  /** Tries of one query at most, all upstreams together (CoreDNS's max_connect_attempts); null: two per upstream; 0: no cap. */
  maxConnectAttempts: number | null;
  /** A UDP socket per upstream is reused for queries until it has been idle this long; 0: a fresh socket per query. */
  expireMs: number;
}

export const defaultUpstreamPoolOptions: UpstreamPoolOptions = {
  policy: 'random',
  forceTcp: false,
  preferUdp: false,
  maxFails: 2,
  healthCheckIntervalMs: 500,
  healthCheckRecursionDesired: true,
  healthCheckDomain: '.',
  attemptTimeoutMs: 2000,
  deadlineMs: 5000,
  maxConnectAttempts: null,
  expireMs: 10_000,
};

/** What the pool tells whoever counts (the forward plugin's metrics). */
export interface UpstreamObserver {
  request?(to: string): void;
  response?(to: string, rcode: string, seconds: number): void;
  healthCheckFailure?(to: string): void;
  /** A query takes a connection: one kept open from before (`reused`, a UDP channel) or a new one. */
  connection?(to: string, proto: 'udp' | 'tcp', reused: boolean): void;
  /** A query finds every upstream down (CoreDNS's healthcheck_broken): it tries them all the same. */
  broken?(): void;
}

export type ExchangeErrorCode = 'TIMEOUT' | 'NETWORK' | 'BAD_RESPONSE' | 'NO_UPSTREAM';
export interface ExchangeError {
  code: ExchangeErrorCode;
  message: string;
}

export type ExchangeResult =
  | { ok: true; response: Buffer; rcode: string; upstream: string; transport: 'udp' | 'tcp' }
  | { ok: false; error: ExchangeError };

export interface UpstreamStatus {
  name: string;
  fails: number;
  down: boolean;
}

/** `1.2.3.4:53`, `[::1]:53`: the `to` label of CoreDNS's metrics. */
export function upstreamName(a: UpstreamAddress): string {
  return net.isIPv6(a.host) ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

const rcodeNames = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];
export function responseRcode(message: Buffer): string {
  const code = message.readUInt16BE(2) & 0xf;
  return rcodeNames[code] ?? `RCODE${code}`;
}
function truncated(message: Buffer): boolean {
  return (message.readUInt16BE(2) & 0x0200) !== 0;
}

class ExchangeFailure extends Error {
  readonly code: ExchangeErrorCode;
  constructor(code: ExchangeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** One query over UDP on a fresh socket; resolves with the first reply whose ID matches. */
export function exchangeUdp(to: UpstreamAddress, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(to.host) ? 'udp6' : 'udp4');
    const id = message.readUInt16BE(0);
    const timer = setTimeout(() => finish(new ExchangeFailure('TIMEOUT', `no UDP reply from ${upstreamName(to)} within ${timeoutMs} ms`)), timeoutMs);
    let done = false;
    function finish(result: Buffer | ExchangeFailure): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (result instanceof ExchangeFailure) reject(result);
      else resolve(result);
    }
    socket.on('error', (err) => finish(new ExchangeFailure('NETWORK', `UDP to ${upstreamName(to)}: ${err.message}`)));
    socket.on('message', (reply, rinfo) => {
      // Ignore strays: a reply must come from the upstream and carry our ID.
      if (reply.length < 12 || reply.readUInt16BE(0) !== id || rinfo.port !== to.port) return;
      finish(reply);
    });
    socket.send(message, to.port, to.host, (err) => {
      if (err) finish(new ExchangeFailure('NETWORK', `UDP to ${upstreamName(to)}: ${err.message}`));
    });
  });
}

/** One query over a fresh TCP connection, length-prefixed (RFC 1035 4.2.2). */
export function exchangeTcp(to: UpstreamAddress, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: to.host, port: to.port });
    let buffered = Buffer.alloc(0);
    let done = false;
    const timer = setTimeout(() => finish(new ExchangeFailure('TIMEOUT', `no TCP reply from ${upstreamName(to)} within ${timeoutMs} ms`)), timeoutMs);
    function finish(result: Buffer | ExchangeFailure): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof ExchangeFailure) reject(result);
      else resolve(result);
    }
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(message.length);
    socket.on('connect', () => socket.write(Buffer.concat([prefix, message])));
    socket.on('error', (err) => finish(new ExchangeFailure('NETWORK', `TCP to ${upstreamName(to)}: ${err.message}`)));
    socket.on('close', () => finish(new ExchangeFailure('NETWORK', `TCP to ${upstreamName(to)}: closed before a reply`)));
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      const length = buffered.readUInt16BE(0);
      if (buffered.length < 2 + length) return;
      const reply = buffered.subarray(2, 2 + length);
      if (reply.length < 12) finish(new ExchangeFailure('BAD_RESPONSE', `TCP from ${upstreamName(to)}: a reply shorter than a DNS header`));
      else finish(reply);
    });
  });
}

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

interface Upstream {
  udp: UdpChannel | null;
  address: UpstreamAddress;
  name: string;
  fails: number;
  checking: boolean;
  /** Probing after a failure, until a check succeeds. */
  probe: NodeJS.Timeout | null;
}

function withId(message: Buffer, id: number): Buffer {
  const copy = Buffer.from(message);
  copy.writeUInt16BE(id, 0);
  return copy;
}

export class UpstreamPool {
  readonly options: UpstreamPoolOptions;
  private readonly upstreams: Upstream[];
  private readonly observer: UpstreamObserver;
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(addresses: UpstreamAddress[], options: Partial<UpstreamPoolOptions> = {}, observer: UpstreamObserver = {}) {
    this.options = { ...defaultUpstreamPoolOptions, ...options };
    this.upstreams = addresses.map((address) => ({
      address,
      name: upstreamName(address),
      fails: 0,
      checking: false,
      probe: null,
      udp: this.options.expireMs > 0 ? new UdpChannel(address, this.options.expireMs) : null,
    }));
    this.observer = observer;
  }

  /**
   * Health-checks every upstream all the time, not only after a failure (CoreDNS's way, which the pool
   * does without start()): for callers that want to know an upstream is down before a query finds out.
   * Idempotent; the timer does not keep the process alive.
   */
  start(): void {
    if (this.timer || this.options.healthCheckIntervalMs <= 0) return;
    this.timer = setInterval(() => {
      for (const u of this.upstreams) void this.healthCheck(u);
    }, this.options.healthCheckIntervalMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const u of this.upstreams) {
      this.stopProbe(u);
      u.udp?.close();
    }
  }

  /** After a failure, check the upstream every interval until it answers again (as CoreDNS does). */
  private startProbe(u: Upstream): void {
    if (u.probe || this.closed || this.options.healthCheckIntervalMs <= 0) return;
    u.probe = setInterval(() => {
      void this.healthCheck(u).then(() => {
        if (u.fails === 0) this.stopProbe(u);
      });
    }, this.options.healthCheckIntervalMs);
    u.probe.unref();
  }

  private stopProbe(u: Upstream): void {
    if (u.probe) clearInterval(u.probe);
    u.probe = null;
  }

  status(): UpstreamStatus[] {
    return this.upstreams.map((u) => ({ name: u.name, fails: u.fails, down: this.isDown(u) }));
  }

  private isDown(u: Upstream): boolean {
    return this.options.maxFails > 0 && u.fails >= this.options.maxFails;
  }

  /** Checks one upstream now: any reply counts as healthy, as in CoreDNS. */
  async healthCheck(u: Upstream): Promise<void> {
    if (u.checking) return;
    u.checking = true;
    const query = dnsPacket.encode({
      type: 'query',
      id: randomInt(0, 65536),
      flags: this.options.healthCheckRecursionDesired ? dnsPacket.RECURSION_DESIRED : 0,
      questions: [{ name: this.options.healthCheckDomain === '.' ? '' : this.options.healthCheckDomain, type: 'NS', class: 'IN' }],
    });
    try {
      await (this.options.forceTcp ? exchangeTcp : exchangeUdp)(u.address, query, Math.min(this.options.attemptTimeoutMs, 1000));
      u.fails = 0;
    } catch {
      u.fails++;
      this.observer.healthCheckFailure?.(u.name);
    } finally {
      u.checking = false;
    }
  }

  /** Upstreams in the order to try them: healthy ones by policy, then the down ones as a last resort. */
  private order(): Upstream[] {
    let list: Upstream[];
    switch (this.options.policy) {
      case 'sequential':
        list = [...this.upstreams];
        break;
      case 'round_robin': {
        const start = this.next++ % this.upstreams.length;
        list = [...this.upstreams.slice(start), ...this.upstreams.slice(0, start)];
        break;
      }
      default: {
        list = [...this.upstreams];
        for (let i = list.length - 1; i > 0; i--) {
          const j = randomInt(0, i + 1);
          [list[i], list[j]] = [list[j], list[i]];
        }
      }
    }
    return [...list.filter((u) => !this.isDown(u)), ...list.filter((u) => this.isDown(u))];
  }

  /**
   * Sends a DNS message (wire format; its ID is replaced on the wire and restored in the reply) and
   * returns the first usable reply. `transport` is how the client asked.
   */
  async exchange(message: Buffer, transport: 'udp' | 'tcp' = 'udp'): Promise<ExchangeResult> {
    if (this.upstreams.length === 0) return { ok: false, error: { code: 'NO_UPSTREAM', message: 'no upstream resolvers are configured' } };
    const clientId = message.readUInt16BE(0);
    const deadline = Date.now() + this.options.deadlineMs;
    let lastReply: ExchangeResult | null = null;
    let lastError: ExchangeError = { code: 'TIMEOUT', message: `no upstream answered within ${this.options.deadlineMs} ms` };
    const useTcp = this.options.forceTcp || (transport === 'tcp' && !this.options.preferUdp);
    if (this.upstreams.every((u) => this.isDown(u))) this.observer.broken?.();
    // As CoreDNS 1.14: two passes over the upstreams at most by default, however much time is left.
    const maxAttempts = this.options.maxConnectAttempts ?? 2 * this.upstreams.length;
    let attempts = 0;
    // Round after round while time is left and some upstream is not marked down, as CoreDNS does: with a
    // try_timeout of tens of milliseconds, one slow answer must not become a SERVFAIL.
    for (;;) {
      const passStarted = Date.now();
      for (const u of this.order()) {
        const remaining = deadline - Date.now();
        if (remaining <= 0 || (maxAttempts > 0 && attempts >= maxAttempts)) break;
        attempts++;
        const timeout = Math.min(this.options.attemptTimeoutMs, remaining);
        const wire = withId(message, randomInt(0, 65536));
        const started = process.hrtime.bigint();
        this.observer.request?.(u.name);
        this.observer.connection?.(u.name, useTcp ? 'tcp' : 'udp', !useTcp && u.udp !== null && u.udp.reusable);
        try {
          let used: 'udp' | 'tcp' = useTcp ? 'tcp' : 'udp';
          let reply = useTcp ? await exchangeTcp(u.address, wire, timeout) : u.udp ? await u.udp.exchange(wire, timeout) : await exchangeUdp(u.address, wire, timeout);
          if (!useTcp && truncated(reply)) {
            // The answer did not fit in UDP: ask the same upstream again over TCP.
            this.observer.connection?.(u.name, 'tcp', false);
            reply = await exchangeTcp(u.address, wire, Math.max(1, deadline - Date.now()));
            used = 'tcp';
          }
          const rcode = responseRcode(reply);
          this.observer.response?.(u.name, rcode, Number(process.hrtime.bigint() - started) / 1e9);
          u.fails = 0;
          const result: ExchangeResult = { ok: true, response: withId(reply, clientId), rcode, upstream: u.name, transport: used };
          if (rcode !== 'SERVFAIL' && rcode !== 'REFUSED') return result;
          lastReply = result;
        } catch (err) {
          u.fails++;
          this.startProbe(u);
          lastError = err instanceof ExchangeFailure ? { code: err.code, message: err.message } : { code: 'NETWORK', message: String(err) };
        }
      }
      // An upstream answered SERVFAIL or REFUSED: asking again will not do better.
      if (lastReply) break;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.closed || this.upstreams.every((u) => this.isDown(u)) || (maxAttempts > 0 && attempts >= maxAttempts)) break;
      // Every try failed at once (refused, unreachable): wait a try's time rather than spin.
      const spent = Date.now() - passStarted;
      if (spent < this.options.attemptTimeoutMs) await sleep(Math.min(this.options.attemptTimeoutMs - spent, remaining));
    }
    return lastReply ?? { ok: false, error: lastError };
  }
}
