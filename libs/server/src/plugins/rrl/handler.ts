// Response rate limiting over UDP (BIND's RRL): each category of response (client prefix, name, type, kind
// of answer) has an account credited with its allowance every second and debited per response; while it is
// negative, responses are dropped, and every slip-ratio'th one is sent truncated so a real client retries
// over TCP, which cannot be spoofed. A reflection attack's victim then gets a trickle, not a flood.
import net from 'node:net';
import type { DnsRequest, DnsResponse, Handler, Next } from '../../plugin.ts';
import { inZone } from '../zones.ts';
import type { RrlMetrics } from './metrics.ts';

export type ResponseKind = 'response' | 'nodata' | 'nxdomain' | 'referral' | 'error';

export interface RrlConfig {
  zones: string[];
  windowS: number;
  ipv4PrefixLength: number;
  ipv6PrefixLength: number;
  /** Responses per second per category; 0: not limited. */
  allowances: Record<ResponseKind, number>;
  /** Every Nth response over the rate is sent truncated instead of dropped; 0: all dropped. */
  slipRatio: number;
  maxTableSize: number;
  reportOnly: boolean;
}

interface Account {
  balance: number;
  at: number;
  over: number;
}

export function responseKind(res: DnsResponse): ResponseKind {
  if (res.rcode === 'NXDOMAIN') return 'nxdomain';
  if (res.rcode !== 'NOERROR') return 'error';
  if (res.answers.length > 0) return 'response';
  if (res.authorities.some((a) => a.type === 'NS') && !res.authorities.some((a) => a.type === 'SOA')) return 'referral';
  return 'nodata';
}

/** The client's prefix: `10.1.2.0/24`, `2001:db8:0:100::/56`. */
export function clientPrefix(address: string, v4Bits: number, v6Bits: number): string {
  const mapped = /^::ffff:([0-9.]+)$/i.exec(address);
  const ip = mapped ? mapped[1] : address;
  if (net.isIPv4(ip)) {
    const value = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - v4Bits);
    const base = Math.floor(value / size) * size;
    return `${[24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.')}/${v4Bits}`;
  }
  const [head, tail = ''] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const nibbles = groups
    .map((g) => g.padStart(4, '0'))
    .join('')
    .split('');
  const whole = Math.floor(v6Bits / 4);
  const kept = nibbles.slice(0, whole);
  if (v6Bits % 4 !== 0) kept.push((parseInt(nibbles[whole] ?? '0', 16) & (0xf0 >> (v6Bits % 4))).toString(16));
  return `${kept.join('')}/${v6Bits}`;
}

export class RrlHandler implements Handler {
  readonly name = 'rrl';
  readonly everyQuery = true;
  readonly config: RrlConfig;
  private readonly metrics: RrlMetrics;
  private readonly now: () => number;
  private readonly accounts = new Map<string, Account>();

  /** `now` in milliseconds; tests pass their own clock. */
  constructor(config: RrlConfig, metrics: RrlMetrics, now: () => number = () => performance.now()) {
    this.config = config;
    this.metrics = metrics;
    this.now = now;
  }

  async serve(req: DnsRequest, next: Next): Promise<DnsResponse> {
    const res = await next(req);
    // TCP sources cannot be spoofed: nothing to reflect.
    if (req.transport !== 'udp' || !this.config.zones.some((z) => inZone(req.qnameLower, z))) return res;
    const kind = responseKind(res);
    const allowance = this.config.allowances[kind];
    if (allowance <= 0) return res;
    const c = this.config;
    const prefix = clientPrefix(req.remote.address, c.ipv4PrefixLength, c.ipv6PrefixLength);
    // Errors of one client count together, whatever the name: invalid names must not open new accounts.
    const key = kind === 'error' ? `${prefix}|error` : `${prefix}|${kind}|${req.qnameLower}|${req.qtype}`;
    const now = this.now();
    let account = this.accounts.get(key);
    if (account) {
      this.accounts.delete(key);
      account.balance = Math.min(allowance, account.balance + ((now - account.at) / 1000) * allowance);
      account.at = now;
    } else {
      account = { balance: allowance, at: now, over: 0 };
      if (this.accounts.size >= c.maxTableSize) this.accounts.delete(this.accounts.keys().next().value as string);
    }
    this.accounts.set(key, account);
    account.balance = Math.max(account.balance - 1, -c.windowS * allowance);
    if (account.balance >= 0) return res;
    this.metrics.exceeded.inc();
    if (c.reportOnly) return res;
    account.over++;
    if (c.slipRatio > 0 && account.over % c.slipRatio === 0) return { ...res, truncated: true };
    return { ...res, drop: true };
  }
}
