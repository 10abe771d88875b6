// The guard's configuration: flags first, then environment, then defaults. Read once, in one place.
import net from 'node:net';
import { parseDurationMs, parseHostPort, parsePort, parseWholeNumber, readFlags, splitList, type ConfigResult } from '@halo/cli';
import { EXIT_MODES, IPTABLES_BACKENDS, type ExitMode, type IptablesBackend, type ProbeTarget } from '@halo/interception';

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
  /** What the guard leaves on the node when it stops. */
  onExit: ExitMode;
  /** The iptables back end to write to; `auto` asks the node which one kube-proxy uses. */
  iptables: IptablesBackend | 'auto';
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
  --on-exit MODE          on SIGTERM: remove (default) takes the rules away at once, and the interface
                          if the cache is not running to do it; keep leaves them (an upgrade); if-last
                          removes them only when no cache answers on the shared address (two DaemonSets)
  --iptables MODE         auto (default: the back end kube-proxy uses on this node), legacy, nft, or
                          system (plain iptables)
  --admin-host HOST       admin address (default 0.0.0.0)
  --admin-port N          admin port for /healthz, /readyz, /metrics (default: none)`;

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): ConfigResult<GuardConfig> {
  const flags = readFlags(
    argv,
    {
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
      'on-exit': { type: 'string' },
      iptables: { type: 'string' },
      'admin-host': { type: 'string' },
      'admin-port': { type: 'string' },
    },
    usage,
  );
  if (!flags.ok) return flags;
  const { values } = flags;
  const port = parsePort(values.port ?? '53', '--port', { min: 1 });
  if (!port.ok) return port;
  const probeAt = parseHostPort(values.probe ?? env.HALO_GUARD_PROBE ?? '169.254.20.10', port.value, '--probe', { minPort: 1 });
  if (!probeAt.ok) return probeAt;
  const type = (values['probe-type'] ?? 'A').toUpperCase();
  if (!['A', 'AAAA', 'SOA', 'NS', 'TXT'].includes(type)) return { ok: false, message: `--probe-type: one of A, AAAA, SOA, NS, TXT, got ${type}` };
  const intervalMs = parseDurationMs(values.interval ?? '200ms', '--interval', { min: 10 });
  if (!intervalMs.ok) return intervalMs;
  const timeoutMs = parseDurationMs(values.timeout ?? '250ms', '--timeout', { min: 10 });
  if (!timeoutMs.ok) return timeoutMs;
  const failures = parseWholeNumber(values.failures ?? '2', '--failures', { min: 1 });
  if (!failures.ok) return failures;
  const successes = parseWholeNumber(values.successes ?? '2', '--successes', { min: 1 });
  if (!successes.ok) return successes;
  const addresses = splitList(values.addresses ?? env.HALO_INTERCEPT_ADDRESSES ?? '169.254.20.10');
  const bad = addresses.find((a) => net.isIP(a) === 0);
  if (bad !== undefined) return { ok: false, message: `--addresses: "${bad}" is not an IP address` };
  const onExit = values['on-exit'] ?? 'remove';
  if (!(EXIT_MODES as readonly string[]).includes(onExit)) return { ok: false, message: `--on-exit: one of ${EXIT_MODES.join(', ')}, got "${onExit}"` };
  const iptables = values.iptables ?? 'auto';
  if (iptables !== 'auto' && !(IPTABLES_BACKENDS as readonly string[]).includes(iptables))
    return { ok: false, message: `--iptables: one of auto, ${IPTABLES_BACKENDS.join(', ')}, got "${iptables}"` };
  let admin: GuardConfig['admin'];
  if (values['admin-port'] !== undefined) {
    const adminPort = parsePort(values['admin-port'], '--admin-port');
    if (!adminPort.ok) return adminPort;
    admin = { host: values['admin-host'] ?? '0.0.0.0', port: adminPort.value };
  }
  return {
    ok: true,
    config: {
      target: { ...probeAt.value, name: values['probe-name'] ?? 'node-cache.halo.invalid', type: type as ProbeTarget['type'] },
      intervalMs: intervalMs.value,
      timeoutMs: timeoutMs.value,
      failures: failures.value,
      successes: successes.value,
      interfaceName: values.interface ?? 'halo-dns0',
      addresses,
      port: port.value,
      onExit: onExit as ExitMode,
      iptables: iptables as IptablesBackend | 'auto',
      admin,
    },
  };
}
