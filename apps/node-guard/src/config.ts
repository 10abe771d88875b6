// The guard's configuration: flags first, then environment, then defaults. Read once, in one place.
import { parseArgs } from 'node:util';
import net from 'node:net';
import type { ProbeTarget } from './probe.ts';

export interface GuardConfig {
  target: ProbeTarget;
  intervalMs: number;
  timeoutMs: number;
  failures: number;
  successes: number;
  interfaceName: string;
  /** Every address the interception covers (the cache's listen addresses and the Service IP). */
  addresses: string[];
  port: number;
  admin?: { host: string; port: number };
}

/** The name the node cache answers itself (its generated Corefile has a block for it). */
export const DEFAULT_PROBE_NAME = 'node-cache.halo.invalid';

export const usage = `Usage: halo-node-guard [options]
  --probe HOST[:PORT]     where to ask the cache (default 169.254.20.10:53); use the link-local
                          address: the Service IP falls through to the pool once the rules are gone
  --probe-name NAME       the name to ask (default ${DEFAULT_PROBE_NAME}); NOERROR or NXDOMAIN is healthy
  --probe-type TYPE       A, AAAA, SOA, NS or TXT (default A)
  --interval DURATION     time between probes (default 200ms)
  --timeout DURATION      how long one probe waits (default 250ms)
  --failures N            failed probes in a row that remove the interception (default 2)
  --successes N           answered probes in a row that put it back (default 2)
  --interface NAME        the cache's dummy interface (default halo-dns0)
  --addresses IP[,IP]     the intercepted addresses (default 169.254.20.10; add the cluster DNS Service IP)
  --port N                the DNS port (default 53)
  --admin-host HOST       admin address (default 0.0.0.0)
  --admin-port N          admin port for /healthz, /readyz, /metrics (default: none)`;

export type ConfigResult = { ok: true; config: GuardConfig } | { ok: false; message: string };

/** `250ms`, `1s`, `0.5s` or a number of milliseconds. */
export function parseMs(text: string): number | null {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s)?$/.exec(text.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1));
}

export function parseHostPort(text: string, defaultPort: number): { host: string; port: number } | null {
  let host = text;
  let port = defaultPort;
  const bracketed = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1];
    if (bracketed[2]) port = Number(bracketed[2]);
  } else if (!net.isIPv6(text) && text.includes(':')) {
    host = text.slice(0, text.lastIndexOf(':'));
    port = Number(text.slice(text.lastIndexOf(':') + 1));
  }
  if (net.isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host, port };
}

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): ConfigResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        probe: { type: 'string' },
        'probe-name': { type: 'string' },
        'probe-type': { type: 'string' },
        interval: { type: 'string' },
        timeout: { type: 'string' },
        failures: { type: 'string' },
        successes: { type: 'string' },
        interface: { type: 'string' },
        addresses: { type: 'string' },
        port: { type: 'string' },
        'admin-host': { type: 'string' },
        'admin-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { ok: false, message: `${(err as Error).message}\n${usage}` };
  }
  if (values.help) return { ok: false, message: usage };
  const port = Number(values.port ?? '53');
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, message: `--port: not a port: ${values.port}` };
  const probeAt = parseHostPort(values.probe ?? env.HALO_GUARD_PROBE ?? '169.254.20.10', port);
  if (!probeAt) return { ok: false, message: `--probe: not an IP[:port]: ${values.probe}` };
  const type = (values['probe-type'] ?? 'A').toUpperCase();
  if (!['A', 'AAAA', 'SOA', 'NS', 'TXT'].includes(type)) return { ok: false, message: `--probe-type: one of A, AAAA, SOA, NS, TXT, got ${type}` };
  const intervalMs = parseMs(values.interval ?? '200ms');
  const timeoutMs = parseMs(values.timeout ?? '250ms');
  if (intervalMs === null || intervalMs < 10) return { ok: false, message: `--interval: a duration of at least 10ms, got ${values.interval}` };
  if (timeoutMs === null || timeoutMs < 10) return { ok: false, message: `--timeout: a duration of at least 10ms, got ${values.timeout}` };
  const failures = Number(values.failures ?? '2');
  const successes = Number(values.successes ?? '2');
  if (!Number.isInteger(failures) || failures < 1) return { ok: false, message: `--failures: a whole number ≥ 1, got ${values.failures}` };
  if (!Number.isInteger(successes) || successes < 1) return { ok: false, message: `--successes: a whole number ≥ 1, got ${values.successes}` };
  const addresses = (values.addresses ?? env.HALO_INTERCEPT_ADDRESSES ?? '169.254.20.10').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = addresses.find((a) => net.isIP(a) === 0);
  if (bad !== undefined) return { ok: false, message: `--addresses: "${bad}" is not an IP address` };
  let admin: GuardConfig['admin'];
  if (values['admin-port'] !== undefined) {
    const p = Number(values['admin-port']);
    if (!Number.isInteger(p) || p < 0 || p > 65535) return { ok: false, message: `--admin-port: not a port: ${values['admin-port']}` };
    admin = { host: values['admin-host'] ?? '0.0.0.0', port: p };
  }
  return {
    ok: true,
    config: {
      target: { ...probeAt, name: values['probe-name'] ?? 'node-cache.halo.invalid', type: type as ProbeTarget['type'] },
      intervalMs,
      timeoutMs,
      failures,
      successes,
      interfaceName: values.interface ?? 'halo-dns0',
      addresses,
      port,
      admin,
    },
  };
}
