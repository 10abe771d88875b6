// The servers we measure ourselves against: knot (authoritative, from a zone file), unbound and dnsmasq
// (forwarding caches in front of the answerer pool). Each gets a generated config in a temp folder,
// one worker thread, a free port, and runs as a child process until stopped.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, query, spawnProcess, waitFor, type ChildHandle } from '@halo/testing';

export interface ServerAddress {
  host: string;
  port: number;
}

export interface RunningServer {
  name: string;
  address: ServerAddress;
  handle: ChildHandle;
  stop(): Promise<void>;
}

/** Where a Debian package puts the binary; PATH first. */
export function findBinary(name: string, candidates: readonly string[]): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return candidates.find((path) => existsSync(path));
}

export const binaries = {
  dnsperf: () => findBinary('dnsperf', ['/usr/bin/dnsperf']),
  knotd: () => findBinary('knotd', ['/usr/sbin/knotd']),
  unbound: () => findBinary('unbound', ['/usr/sbin/unbound']),
  dnsmasq: () => findBinary('dnsmasq', ['/usr/sbin/dnsmasq']),
};

/** knot with one worker of each kind, serving one zone file. */
export function knotConfig(options: { dir: string; host: string; port: number; zone: string; zoneFile: string }): string {
  return [
    'server:',
    `    listen: ${options.host}@${options.port}`,
    `    rundir: "${options.dir}"`,
    '    udp-workers: 1',
    '    tcp-workers: 1',
    '    background-workers: 1',
    'log:',
    '  - target: stderr',
    '    any: info',
    'database:',
    `    storage: "${options.dir}"`,
    'template:',
    '  - id: default',
    `    storage: "${options.dir}"`,
    '    semantic-checks: off',
    '    journal-content: none',
    '    zonefile-sync: -1',
    'zone:',
    `  - domain: ${options.zone}`,
    `    file: "${options.zoneFile}"`,
    '',
  ].join('\n');
}

/**
 * unbound as NodeLocal DNSCache is configured: the cluster zone forwarded to the answerer pool, one
 * thread, success answers capped at 30 s and denial at 5 s.
 */
export function unboundConfig(options: { dir: string; host: string; port: number; zone: string; upstream: ServerAddress }): string {
  return [
    'server:',
    `    interface: ${options.host}`,
    `    port: ${options.port}`,
    '    num-threads: 1',
    '    do-daemonize: no',
    '    use-syslog: no',
    '    verbosity: 0',
    '    username: ""',
    '    chroot: ""',
    `    directory: "${options.dir}"`,
    `    pidfile: "${join(options.dir, 'unbound.pid')}"`,
    '    access-control: 127.0.0.0/8 allow',
    '    do-not-query-localhost: no',
    '    qname-minimisation: no',
    '    cache-max-ttl: 30',
    '    cache-max-negative-ttl: 5',
    '    msg-cache-size: 64m',
    '    rrset-cache-size: 128m',
    `    domain-insecure: "${options.zone}"`,
    `    local-zone: "${options.zone}" transparent`,
    'forward-zone:',
    `    name: "${options.zone}"`,
    `    forward-addr: ${options.upstream.host}@${options.upstream.port}`,
    '',
  ].join('\n');
}

/** dnsmasq's arguments: a forwarder for the cluster zone only, a cache big enough, the same TTL caps. */
export function dnsmasqArgs(options: { dir: string; host: string; port: number; zone: string; upstream: ServerAddress }): string[] {
  return [
    '--keep-in-foreground',
    '--no-resolv',
    '--no-hosts',
    '--no-poll',
    `--listen-address=${options.host}`,
    '--bind-interfaces',
    `--port=${options.port}`,
    `--server=/${options.zone}/${options.upstream.host}#${options.upstream.port}`,
    '--cache-size=100000',
    '--max-cache-ttl=30',
    '--neg-ttl=5',
    // dnsmasq caches only addresses unless told; SRV questions would all go upstream otherwise.
    '--cache-rr=SRV',
    '--dns-forward-max=1000',
    `--pid-file=${join(options.dir, 'dnsmasq.pid')}`,
    '--user=root',
    '--log-facility=-',
  ];
}

async function answering(name: string, handle: ChildHandle, address: ServerAddress, probe: string): Promise<void> {
  await waitFor(
    async () => {
      const response = await query(address, probe, 'SOA', { timeoutMs: 300 }).catch(() => null);
      return response !== null;
    },
    { timeoutMs: 20_000, message: `${name} did not answer on ${address.host}:${address.port}; its last lines:\n${handle.lines.slice(-10).join('\n')}` },
  );
}

function running(name: string, handle: ChildHandle, address: ServerAddress): RunningServer {
  return {
    name,
    address,
    handle,
    stop: async () => {
      const killer = setTimeout(() => void handle.kill('SIGKILL'), 5_000);
      await handle.kill('SIGTERM');
      clearTimeout(killer);
    },
  };
}

export async function startKnot(binary: string, options: { dir: string; zone: string; zoneFile: string; host?: string }): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const dir = join(options.dir, 'knot');
  await mkdir(dir, { recursive: true });
  const port = await freePort({ udp: true });
  const config = join(dir, 'knot.conf');
  await writeFile(config, knotConfig({ dir, host, port, zone: options.zone, zoneFile: options.zoneFile }));
  const handle = await spawnProcess(binary, ['-c', config]);
  const address = { host, port };
  try {
    await answering('knotd', handle, address, options.zone);
  } catch (error) {
    await handle.kill('SIGKILL');
    throw error;
  }
  return running('knot', handle, address);
}

export async function startUnbound(binary: string, options: { dir: string; zone: string; upstream: ServerAddress; host?: string }): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const dir = join(options.dir, 'unbound');
  await mkdir(dir, { recursive: true });
  const port = await freePort({ udp: true });
  const config = join(dir, 'unbound.conf');
  await writeFile(config, unboundConfig({ dir, host, port, zone: options.zone, upstream: options.upstream }));
  const handle = await spawnProcess(binary, ['-d', '-c', config]);
  const address = { host, port };
  try {
    await answering('unbound', handle, address, options.zone);
  } catch (error) {
    await handle.kill('SIGKILL');
    throw error;
  }
  return running('unbound', handle, address);
}

export async function startDnsmasq(binary: string, options: { dir: string; zone: string; upstream: ServerAddress; host?: string }): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const dir = join(options.dir, 'dnsmasq');
  await mkdir(dir, { recursive: true });
  const port = await freePort({ udp: true });
  const handle = await spawnProcess(binary, dnsmasqArgs({ dir, host, port, zone: options.zone, upstream: options.upstream }));
  const address = { host, port };
  try {
    await answering('dnsmasq', handle, address, options.zone);
  } catch (error) {
    await handle.kill('SIGKILL');
    throw error;
  }
  return running('dnsmasq', handle, address);
}
