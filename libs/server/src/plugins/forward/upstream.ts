// The forwarder's pool, usable without the plugin (the node cache uses it too): a query goes to one
// upstream after another (by policy, healthy ones first), round after round, until one answers with
// something other than SERVFAIL/REFUSED, every upstream is marked down, or the deadline passes.
// Talking to each upstream (sockets, persistent connections, health checks) is src/proxy's.
import { setTimeout as sleep } from 'node:timers/promises';
import { randomInt } from 'node:crypto';
import {
  ExchangeFailure,
  exchangeTcp,
  exchangeUdp,
  responseRcode,
  truncated,
  withId,
  type ExchangeErrorCode,
  type UpstreamAddress,
} from '../../proxy/connect.ts';
import type { HealthCheckOptions } from '../../proxy/health.ts';
import { Proxy } from '../../proxy/proxy.ts';
import { orderUpstreams, type UpstreamPolicy } from './policy.ts';

export type { UpstreamAddress } from '../../proxy/connect.ts';
export type { UpstreamPolicy } from './policy.ts';

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

export interface ExchangeError {
  code: ExchangeErrorCode;
  message: string;
}

export type ExchangeResult = { ok: true; response: Buffer; rcode: string; upstream: string; transport: 'udp' | 'tcp' } | { ok: false; error: ExchangeError };

export interface UpstreamStatus {
  name: string;
  fails: number;
  down: boolean;
}

export class UpstreamPool {
  readonly options: UpstreamPoolOptions;
  private readonly upstreams: Proxy[];
  private readonly observer: UpstreamObserver;
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(addresses: UpstreamAddress[], options: Partial<UpstreamPoolOptions> = {}, observer: UpstreamObserver = {}) {
    this.options = { ...defaultUpstreamPoolOptions, ...options };
    this.upstreams = addresses.map((address) => new Proxy(address, this.options.expireMs));
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
    for (const u of this.upstreams) u.close();
  }

  status(): UpstreamStatus[] {
    return this.upstreams.map((u) => ({ name: u.name, fails: u.fails, down: this.isDown(u) }));
  }

  private isDown(u: Proxy): boolean {
    return u.isDown(this.options.maxFails);
  }

  private healthOptions(): HealthCheckOptions {
    const o = this.options;
    return { tcp: o.forceTcp, recursionDesired: o.healthCheckRecursionDesired, domain: o.healthCheckDomain, timeoutMs: Math.min(o.attemptTimeoutMs, 1000) };
  }

  /** Checks one upstream now: any reply counts as healthy, as in CoreDNS. */
  healthCheck(u: Proxy): Promise<void> {
    return u.healthCheck(this.healthOptions(), () => this.observer.healthCheckFailure?.(u.name));
  }

  /** After a failure, check the upstream every interval until it answers again (as CoreDNS does). */
  private startProbe(u: Proxy): void {
    if (this.closed) return;
    u.startProbe(this.options.healthCheckIntervalMs, this.healthOptions(), () => this.observer.healthCheckFailure?.(u.name));
  }

  /** Upstreams in the order to try them: healthy ones by policy, then the down ones as a last resort. */
  private order(): Proxy[] {
    return orderUpstreams(this.upstreams, this.options.policy, this.options.policy === 'round_robin' ? this.next++ : 0, (u) => this.isDown(u));
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
          let reply = useTcp
            ? await exchangeTcp(u.address, wire, timeout)
            : u.udp
              ? await u.udp.exchange(wire, timeout)
              : await exchangeUdp(u.address, wire, timeout);
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
