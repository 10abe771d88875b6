// The whole system on one machine: nats-server, kube-sim, the watcher, the answerer pool (and more as
// it exists), each a real process, started in order and stopped in reverse.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeadmCorefile } from '@halo/corefile';
import { startOutsideResolver, type OutsideResolver } from './outside-resolver.ts';
import type { KubeConfigOptions } from '@halo/kube';
import { busPermissions, busUsers, inboxPrefixOf, renderAuthorization, type BusUser } from '@halo/bus';
import {
  freePort,
  query,
  spawnProcess,
  startJaeger,
  startNatsCluster,
  startNatsServer,
  waitFor,
  type ChildHandle,
  type Jaeger,
  type NatsServer,
} from '@halo/testing';
import { clusterAccess, type ClusterOption } from './cluster.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = (path: string) => join(root, path);

export type PodsMode = 'insecure' | 'verified' | 'disabled';

export interface StackOptions {
  /** Watch this cluster instead of starting kube-sim. */
  cluster?: ClusterOption;
  /**
   * Write nothing to the cluster, only watch it: the watcher leads without a Lease, the config service
   * reads neither ConfigMaps nor Secrets (fragments come from its API alone). For a cluster of the user's.
   */
  readOnly?: boolean;
  /** Seed kube-sim from this YAML instead of the demo cluster. */
  manifests?: string;
  kubePort?: number;
  dnsPort?: number;
  cachePort?: number;
  /** The config service's API port (0 or absent: a free one). */
  configPort?: number;
  /** The config service's write token (default: $HALO_CONFIG_TOKEN, else generated). */
  configToken?: string;
  pods?: PodsMode;
  answerers?: number;
  /** The address every process listens on (default 127.0.0.1). */
  host?: string;
  /** How long each process may take to say it is ready (default 120 s: a large cluster takes a while to seed and sync). */
  readyTimeoutMs?: number;
  /**
   * The resolv.conf whose nameservers get the names outside the cluster zone (the answerers' `forward` and
   * `loop` probe, the node cache's upstreams). `npm start` gives the machine's /etc/resolv.conf; by default
   * a resolver on loopback that knows no name, so a test never sends a query beyond loopback.
   */
  resolvConf?: string;
  /**
   * NATS servers (default 1). Three or more run as one JetStream cluster on loopback, and every bucket
   * gets that many replicas (at most 3).
   */
  natsNodes?: number;
  /** Start Jaeger v2 first and point every app at it with the OTEL_* variables. */
  jaeger?: { queryPort?: number; bin?: string };
}

export interface StackProcess {
  name: string;
  handle: ChildHandle;
  args: string[];
  entry: string;
  env: NodeJS.ProcessEnv;
}

/** How a client connects as one of Halo's NATS users (`connect({ servers: stack.natsUrls, ...stack.natsUser('watcher') })`). */
export interface NatsUserOptions {
  user: string;
  pass: string;
  inboxPrefix: string;
}

export interface Stack {
  /** The first NATS server's URL; `natsUrls` holds every server's. */
  natsUrl: string;
  natsUrls: string[];
  /** Connection options for one of Halo's NATS users (each with its own password and permissions). */
  natsUser(user: BusUser): NatsUserOptions;
  /** Each user's password file, as the apps are given it. */
  natsPasswordFiles: Record<BusUser, string>;
  /** The replicas of every bucket. */
  busReplicas: number;
  /** The API server: kube-sim's URL, or the named cluster's. */
  kubeUrl: string;
  /** How the apps reach it; `loadKubeConfig(stack.kube)` talks to the same cluster. */
  kube: KubeConfigOptions;
  /** The port every answerer shares (as the kube-dns Service's address). */
  dns: { host: string; port: number };
  /** Each answerer's own address (as its pod IP), in the order of `answerer-<i>`: what the node cache asks. */
  answerers: { host: string; port: number }[];
  /** The node cache, in front of the answerers. */
  cachePort: number;
  /** The config service: its API and its write-role token. */
  config: { url: string; token: string };
  /** The first NATS server; `natsServers` holds them all. */
  nats: NatsServer;
  natsServers: NatsServer[];
  /** With `jaeger`: its query API (`${queryUrl}/api/traces?service=halo-watcher`). */
  jaeger?: { queryUrl: string; otlpHttpUrl: string };
  workDir: string;
  corefile: string;
  processes: Map<string, StackProcess>;
  /** Starts a process of the stack again with the same arguments (after stopping or killing it). */
  restart(name: string): Promise<StackProcess>;
  /** Starts one more process from an app entry; it is stopped with the stack. */
  spawn(name: string, entryPath: string, args: string[], readyLine?: RegExp): Promise<StackProcess>;
  stop(): Promise<void>;
}

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

export const defaultManifests = entry('deploy/examples/demo-cluster.yaml');

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const host = options.host ?? '127.0.0.1';
  const pods = options.pods ?? 'insecure';
  const workDir = await mkdtemp(join(tmpdir(), 'halo-stack-'));
  const processes = new Map<string, StackProcess>();
  const started: string[] = [];
  let nats: NatsServer | undefined;
  let natsServers: NatsServer[] = [];
  let outside: OutsideResolver | undefined;
  let jaeger: Jaeger | undefined;
  // With Jaeger: the standard variables every app reads (libs/telemetry), spans sent within half a second.
  let telemetryEnv: NodeJS.ProcessEnv = {};

  const spawn = async (name: string, entryPath: string, args: string[], readyLine = /"ready":true/, env: NodeJS.ProcessEnv = {}): Promise<StackProcess> => {
    const handle = await spawnProcess(entryPath, args, {
      readyLine,
      timeoutMs: options.readyTimeoutMs ?? 120_000,
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...telemetryEnv, ...env },
    });
    const proc = { name, handle, args, entry: entryPath, env };
    processes.set(name, proc);
    if (!started.includes(name)) started.push(name);
    return proc;
  };

  const stop = async () => {
    for (const name of [...started].reverse()) {
      const proc = processes.get(name);
      if (!proc) continue;
      const killer = setTimeout(() => void proc.handle.kill('SIGKILL'), 8_000);
      await proc.handle.kill('SIGTERM').catch(() => undefined);
      clearTimeout(killer);
    }
    await Promise.all(natsServers.map((s) => s.stop()));
    await outside?.close();
    await jaeger?.stop();
    await rm(workDir, { recursive: true, force: true });
  };

  try {
    // A cluster that cannot be reached as named fails before anything starts.
    const access = options.cluster ? await clusterAccess(options.cluster, workDir) : null;
    if (options.jaeger) {
      jaeger = await startJaeger(options.jaeger);
      telemetryEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpUrl, OTEL_BSP_SCHEDULE_DELAY: '500' };
    }
    // NATS with Halo's users and permissions, as in a cluster: a password per user, made for this start
    // and written to a file that only this user of the machine can read, as a mounted Secret.
    const natsNodes = options.natsNodes ?? 1;
    const busReplicas = Math.min(natsNodes, 3);
    const secretsDir = join(workDir, 'nats-users');
    await mkdir(secretsDir, { mode: 0o700 });
    const passwords = Object.fromEntries(busUsers.map((user) => [user, randomBytes(18).toString('base64url')])) as Record<BusUser, string>;
    const natsPasswordFiles = Object.fromEntries(busUsers.map((user) => [user, join(secretsDir, user)])) as Record<BusUser, string>;
    for (const user of busUsers) await writeFile(natsPasswordFiles[user], `${passwords[user]}\n`, { mode: 0o600 });
    const authorization = renderAuthorization(busUsers.map((user) => ({ user, password: passwords[user], permissions: busPermissions[user] })));
    natsServers =
      natsNodes > 1 ? (await startNatsCluster({ size: natsNodes, authorization })).servers : [await startNatsServer({ jetstream: true, authorization })];
    nats = natsServers[0];
    if (!nats) throw new Error('no NATS server started');
    const natsUrls = natsServers.map((s) => s.url);
    const busFlags = (user: BusUser) => [
      '--nats',
      natsUrls.join(','),
      '--nats-user',
      user,
      '--nats-password-file',
      natsPasswordFiles[user],
      '--bus-replicas',
      String(busReplicas),
    ];
    const dnsPort = options.dnsPort ?? (await freePort({ udp: true }));
    let kube: KubeConfigOptions;
    let kubeUrl: string;
    if (access) {
      ({ kube, url: kubeUrl } = access);
    } else {
      const kubePort = options.kubePort ?? (await freePort());
      await spawn('kube-sim', entry('tools/kube-sim/src/main.ts'), [
        '--port',
        String(kubePort),
        '--host',
        host,
        '--seed',
        options.manifests ?? defaultManifests,
      ]);
      kubeUrl = `http://${host}:${kubePort}`;
      kube = { kubeServer: kubeUrl };
    }
    const kubeFlags = kube.kubeServer ? ['--kube-server', kube.kubeServer] : kube.kubeconfig ? ['--kubeconfig', kube.kubeconfig] : [];
    const readOnly = options.readOnly ?? false;

    // kubeadm's Corefile for CoreDNS, unchanged but for the `pods` mode asked for and no lameduck: no
    // kube-proxy here needs the 5 s to stop sending a stopping answerer queries.
    const corefile = join(workDir, 'Corefile');
    let upstream: string;
    if (options.resolvConf) upstream = options.resolvConf;
    else {
      outside = await startOutsideResolver(host.includes(':') ? '::1' : '127.0.0.1');
      upstream = outside.host.includes(':') ? `[${outside.host}]:${outside.port}` : `${outside.host}:${outside.port}`;
    }
    await writeFile(
      corefile,
      kubeadmCorefile
        .replace('pods insecure', `pods ${pods}`)
        .replace(/health \{\s*lameduck \S+\s*\}/, 'health')
        .replace('forward . /etc/resolv.conf', `forward . ${upstream}`),
    );

    await spawn('watcher', entry('apps/watcher/src/main.ts'), [
      ...busFlags('watcher'),
      ...kubeFlags,
      '--admin-host',
      host,
      '--admin-port',
      '0',
      '--identity',
      'watcher-0',
      '--lease-duration',
      '4',
      ...(pods === 'verified' ? ['--watch-pods'] : []),
      ...(readOnly ? ['--no-leader-election'] : []),
    ]);
    // Every answerer on the shared port (as behind the kube-dns Service) and on a port of its own (as on
    // its pod IP), where the node cache asks it: so the cache fails over between them as on a node.
    const answerers = options.answerers ?? 2;
    const ownPorts: number[] = [];
    for (let i = 0; i < answerers; i++) {
      let port = await freePort({ udp: true });
      while (port === dnsPort || ownPorts.includes(port)) port = await freePort({ udp: true });
      ownPorts.push(port);
    }
    await Promise.all(
      ownPorts.map((ownPort, i) =>
        spawn(`answerer-${i}`, entry('apps/answerer/src/main.ts'), [
          ...busFlags('answerer'),
          '--corefile',
          corefile,
          '--dns-host',
          host,
          '--dns-port',
          String(dnsPort),
          '--own-listen',
          `${hostPort(host, ownPort)}`,
          '--admin-host',
          host,
          '--admin-port',
          '0',
          '--instance',
          `answerer-${i}`,
          '--workers',
          '1',
        ]),
      ),
    );
    const answererAddresses = ownPorts.map((port) => ({ host, port }));
    // Ready means DNS answers: the kubernetes Service of every cluster is in the zone.
    await waitFor(
      async () => {
        const response = await query({ host, port: dnsPort }, 'kubernetes.default.svc.cluster.local', 'A', { timeoutMs: 500 }).catch(() => null);
        return response && (response.answers?.length ?? 0) > 0;
      },
      { timeoutMs: options.readyTimeoutMs ?? 120_000, message: 'the answerer pool did not answer kubernetes.default.svc.cluster.local' },
    );

    // One node cache in front of the pool, as on a node (issue 4).
    const cachePort = options.cachePort ?? (await freePort({ udp: true }));
    await spawn('node-cache', entry('apps/node-cache/src/main.ts'), [
      '--listen',
      hostPort(host, cachePort),
      '--answerers',
      answererAddresses.map((a) => hostPort(a.host, a.port)).join(','),
      ...busFlags('node-cache'),
      '--instance',
      'node-cache-0',
      ...(options.resolvConf ? ['--resolv-conf', options.resolvConf] : ['--upstream', upstream]),
      '--admin-host',
      host,
      '--admin-port',
      '0',
    ]);

    // The config service: fragments from its API and from the extra-config ConfigMaps in kube-system.
    const configPort = options.configPort ?? (await freePort());
    const configToken = options.configToken ?? process.env.HALO_CONFIG_TOKEN ?? randomBytes(18).toString('base64url');
    await spawn(
      'config',
      entry('apps/config/src/main.ts'),
      [
        ...busFlags('config'),
        ...kubeFlags,
        '--host',
        host,
        '--port',
        String(configPort),
        '--admin-host',
        host,
        '--admin-port',
        '0',
        // More tokens can be given in this Secret (keys <role>.<name>), as in a cluster.
        ...(readOnly ? ['--no-configmaps'] : ['--tokens-secret', 'kube-system/halo-config-tokens']),
      ],
      /"ready":true/,
      { HALO_CONFIG_TOKEN: configToken },
    );

    return {
      config: { url: `http://${host}:${configPort}`, token: configToken },
      natsUrl: nats.url,
      natsUrls,
      natsUser: (user) => ({ user, pass: passwords[user], inboxPrefix: inboxPrefixOf(user) }),
      natsPasswordFiles,
      busReplicas,
      natsServers,
      ...(jaeger ? { jaeger: { queryUrl: jaeger.queryUrl, otlpHttpUrl: jaeger.otlpHttpUrl } } : {}),
      kubeUrl,
      kube,
      dns: { host, port: dnsPort },
      answerers: answererAddresses,
      cachePort,
      nats,
      workDir,
      corefile,
      processes,
      spawn,
      restart: async (name) => {
        const proc = processes.get(name);
        if (!proc) throw new Error(`no process named ${name} in the stack`);
        return spawn(name, proc.entry, proc.args, undefined, proc.env);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
