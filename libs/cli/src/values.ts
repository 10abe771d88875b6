// Flag values our operators type: ports, host:port lists, durations, NATS server lists, counts.
// Each returns a value or a message that names the flag and repeats what was given.
import net from 'node:net';
import type { Parsed } from './flags.ts';

export interface HostPort {
  host: string;
  port: number;
}

const digits = /^[0-9]+$/;

/** A port from `min` (default 0, which lets the kernel pick) to 65535. */
export function parsePort(text: string, flag: string, options: { min?: number } = {}): Parsed<number> {
  const min = options.min ?? 0;
  const t = text.trim();
  const n = Number(t);
  if (!digits.test(t) || n < min || n > 65535) return { ok: false, message: `${flag}: not a port: ${text}` };
  return { ok: true, value: n };
}

/** `IP`, `IP:PORT`, `[IPv6]` or `[IPv6]:PORT`; a bare IPv6 address takes `defaultPort`. */
export function parseHostPort(text: string, defaultPort: number, flag: string, options: { minPort?: number } = {}): Parsed<HostPort> {
  const min = options.minPort ?? 0;
  let host = text.trim();
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(host);
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
  } else if (!net.isIPv6(host) && host.includes(':')) {
    portText = host.slice(host.lastIndexOf(':') + 1);
    host = host.slice(0, host.lastIndexOf(':'));
  }
  const port = portText === undefined ? defaultPort : Number(portText);
  const portOk = (portText === undefined || digits.test(portText)) && Number.isInteger(port) && port >= min && port <= 65535;
  if (net.isIP(host) === 0 || !portOk) return { ok: false, message: `${flag}: "${text.trim()}" is not IP, IP:PORT or [IPv6]:PORT` };
  return { ok: true, value: { host, port } };
}

/** A comma-separated list of `parseHostPort`; empty text is an empty list. */
export function parseHostPorts(text: string | undefined, defaultPort: number, flag: string, options: { minPort?: number } = {}): Parsed<HostPort[]> {
  const out: HostPort[] = [];
  for (const part of splitList(text ?? '')) {
    const hp = parseHostPort(part, defaultPort, flag, options);
    if (!hp.ok) return hp;
    out.push(hp.value);
  }
  return { ok: true, value: out };
}

/**
 * `50ms`, `1.5s`, or a bare number of milliseconds, rounded to whole milliseconds, at least `min`.
 * (Corefile durations, Go-style like `1m30s`, are libs/server's: flags have always taken this form.)
 */
export function parseDurationMs(text: string, flag: string, options: { min?: number } = {}): Parsed<number> {
  const min = options.min ?? 0;
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s)?$/.exec(text.trim());
  const ms = m ? Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1)) : null;
  if (ms === null || ms < min) return { ok: false, message: `${flag}: a duration like 50ms or 1.5s, at least ${min}ms, got "${text}"` };
  return { ok: true, value: ms };
}

/** A whole number from `min` to `max` (default: no upper bound). */
export function parseWholeNumber(text: string, flag: string, options: { min?: number; max?: number } = {}): Parsed<number> {
  const min = options.min ?? 0;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const t = text.trim();
  const n = Number(t);
  if (!digits.test(t) || n < min || n > max) {
    const range = options.max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
    return { ok: false, message: `${flag}: a whole number ${range}, got "${text}"` };
  }
  return { ok: true, value: n };
}

/**
 * NATS servers, comma-separated: `nats://HOST:PORT` (also tls://, ws://, wss://) or `HOST:PORT`, as the
 * nats.js client takes them. Entries are trimmed; at least one is needed.
 */
export function parseNatsServers(text: string, flag: string): Parsed<string[]> {
  const servers = splitList(text);
  if (servers.length === 0) return { ok: false, message: `${flag}: give at least one NATS server, like nats://127.0.0.1:4222` };
  for (const s of servers) {
    const scheme = /^([a-z]+):\/\//i.exec(s)?.[1]?.toLowerCase();
    const known = scheme === undefined || ['nats', 'tls', 'ws', 'wss'].includes(scheme);
    if (!known || !URL.canParse(scheme === undefined ? `nats://${s}` : s)) {
      return { ok: false, message: `${flag}: "${s}" is not a NATS server URL like nats://HOST:PORT` };
    }
  }
  return { ok: true, value: servers };
}

/** Comma-separated items, trimmed, empty ones dropped. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
