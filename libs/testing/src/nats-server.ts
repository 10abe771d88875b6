import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isExecutable } from './binaries.ts';
import { TestingError } from './errors.ts';
import { freePort } from './ports.ts';
import { spawnProcess } from './process.ts';
import type { ChildHandle } from './process.ts';
import { waitFor } from './wait-for.ts';

export interface NatsServer {
  url: string;
  port: number;
  /** PID of the current process (changes on restart). */
  pid: number;
  /** The server's name in its cluster (`server_name`). */
  name: string;
  /** The HTTP monitoring port (/healthz, /varz, /jsz). */
  monitorPort: number;
  storeDir: string;
  /** The nats.conf the server runs with (in its temp folder). */
  configFile: string;
  /** Graceful stop (SIGTERM); the store dir is removed unless the server is restarted later. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Starts again on the same port and store dir (stopping it first if it runs). */
  restart(): Promise<void>;
  /** Lines the current process logged. */
  lines(): string[];
}

export interface NatsServerOptions {
  jetstream?: boolean;
  port?: number;
  /**
   * Config text added to the server's nats.conf as it is, e.g. an `authorization { users: [...] }`
   * block (`renderAuthorization` of @halo/bus renders Halo's users and permissions).
   */
  authorization?: string;
  /** TLS on the client port with this certificate and key (PEM files); clients then need the CA. */
  tls?: { certFile: string; keyFile: string };
}

export interface NatsClusterOptions {
  /** Servers in the cluster (default 3). */
  size?: number;
  authorization?: string;
}

export interface NatsCluster {
  servers: NatsServer[];
  /** Every server's client URL, for a client that fails over between them. */
  urls: string[];
  stop(): Promise<void>;
}

/** NATS_SERVER_BIN, else nats-server on PATH, else the Debian location. */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NATS_SERVER_BIN) {
    if (isExecutable(env.NATS_SERVER_BIN)) return env.NATS_SERVER_BIN;
    throw new TestingError('nats-server-missing', `NATS_SERVER_BIN=${env.NATS_SERVER_BIN} is not an executable file`);
  }
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    const file = join(dir, 'nats-server');
    if (isExecutable(file)) return file;
  }
  throw new TestingError('nats-server-missing', 'nats-server not found: install it (`apt-get install nats-server`) or set NATS_SERVER_BIN to its path');
}

interface ServerPlan {
  name: string;
  port: number;
  monitorPort: number;
  jetstream: boolean;
  authorization?: string;
  tls?: { certFile: string; keyFile: string };
  cluster?: { name: string; port: number; routes: number[] };
}

function renderConfig(plan: ServerPlan, storeDir: string): string {
  const lines = [`server_name: ${JSON.stringify(plan.name)}`, `host: "127.0.0.1"`, `port: ${plan.port}`, `http: "127.0.0.1:${plan.monitorPort}"`];
  if (plan.jetstream) lines.push(`jetstream { store_dir: ${JSON.stringify(storeDir)} }`);
  if (plan.cluster) {
    const routes = plan.cluster.routes.map((p) => JSON.stringify(`nats-route://127.0.0.1:${p}`)).join(', ');
    lines.push(`cluster { name: ${JSON.stringify(plan.cluster.name)}, listen: "127.0.0.1:${plan.cluster.port}", routes: [${routes}] }`);
  }
  if (plan.tls) lines.push(`tls { cert_file: ${JSON.stringify(plan.tls.certFile)}, key_file: ${JSON.stringify(plan.tls.keyFile)} }`);
  if (plan.authorization) lines.push(plan.authorization);
  return `${lines.join('\n')}\n`;
}

async function launchServer(plan: ServerPlan): Promise<NatsServer> {
  const bin = findNatsServer();
  const dir = await mkdtemp(join(tmpdir(), 'halo-nats-'));
  const storeDir = join(dir, 'jetstream');
  await mkdir(storeDir);
  const configFile = join(dir, 'nats.conf');
  await writeFile(configFile, renderConfig(plan, storeDir), { mode: 0o600 });

  let child: ChildHandle | undefined;
  const launch = async () => {
    child = await spawnProcess(bin, ['-c', configFile]);
    const current = child;
    // /healthz answers 200 once the server accepts clients and, with js-enabled-only, JetStream is up.
    const path = plan.jetstream ? '/healthz?js-enabled-only=true' : '/healthz';
    // A fatal line ends the wait at once (waitFor takes a throw for "not yet").
    const state = await waitFor(
      async () => {
        if (current.lines.some((line) => /\[FTL\]/.test(line))) return 'failed';
        const response = await fetch(`http://127.0.0.1:${plan.monitorPort}${path}`);
        return response.ok && 'healthy';
      },
      { timeoutMs: 15_000, message: `nats-server on port ${plan.port} did not become healthy` },
    ).catch(async (error: unknown) => {
      await current.kill('SIGKILL');
      throw error;
    });
    if (state === 'failed') {
      await current.kill('SIGKILL');
      const code = current.lines.some((line) => /address already in use/.test(line)) ? 'nats-server-port-taken' : 'nats-server-failed';
      throw new TestingError(code, `nats-server failed to start:\n${current.lines.join('\n')}`);
    }
  };
  const halt = async (signal: NodeJS.Signals) => {
    if (child) {
      await child.kill(signal);
      child = undefined;
    }
  };

  await launch().catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    url: `nats://127.0.0.1:${plan.port}`,
    port: plan.port,
    name: plan.name,
    monitorPort: plan.monitorPort,
    storeDir,
    configFile,
    get pid() {
      return child?.pid ?? -1;
    },
    stop: async () => {
      await halt('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGTERM');
      await launch();
    },
    lines: () => child?.lines ?? [],
  };
}

/** Starts a real nats-server on 127.0.0.1 (JetStream on by default) and waits until it serves clients. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  // A free port may be taken by another test between the look and the bind: pick others, a few times.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await launchServer({
        name: `halo-test-${port}`,
        port,
        monitorPort: await freePort(),
        jetstream: options.jetstream ?? true,
        authorization: options.authorization,
        tls: options.tls,
      });
    } catch (error) {
      if (!(error instanceof TestingError && error.code === 'nats-server-port-taken') || attempt >= 3) throw error;
    }
  }
}

/**
 * Starts `size` JetStream servers on 127.0.0.1 routed as one cluster, and waits until each of them
 * sees a JetStream meta leader: replicated streams can be created then.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ port: await freePort(), monitor: await freePort(), route: await freePort() })));
  const clusterName = `halo-test-${ports[0]?.port ?? 0}`;
  const servers = await Promise.all(
    ports.map((p, i) =>
      launchServer({
        name: `${clusterName}-${i}`,
        port: p.port,
        monitorPort: p.monitor,
        jetstream: true,
        authorization: options.authorization,
        cluster: { name: clusterName, port: p.route, routes: ports.filter((_, j) => j !== i).map((o) => o.route) },
      }),
    ),
  );
  await waitFor(
    async () => {
      for (const server of servers) {
        const jsz = (await (await fetch(`http://127.0.0.1:${server.monitorPort}/jsz`)).json()) as { meta_cluster?: { leader?: string } };
        if (!jsz.meta_cluster?.leader) return false;
      }
      return true;
    },
    { timeoutMs: 20_000, message: `the NATS cluster ${clusterName} elected no JetStream meta leader` },
  );
  return {
    servers,
    urls: servers.map((s) => s.url),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
