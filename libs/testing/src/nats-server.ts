import { mkdtemp, rm } from 'node:fs/promises';
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
  /** The HTTP monitoring port (/healthz, /varz, /jsz). */
  monitorPort: number;
  storeDir: string;
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
  throw new TestingError(
    'nats-server-missing',
    'nats-server not found: install it (`apt-get install nats-server`) or set NATS_SERVER_BIN to its path',
  );
}

/** Starts a real nats-server on 127.0.0.1 (JetStream on by default) and waits until it serves clients. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const bin = findNatsServer();
  const jetstream = options.jetstream ?? true;
  const port = options.port ?? (await freePort());
  const monitorPort = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), 'halo-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '--server_name', `halo-test-${port}`];
  if (jetstream) args.push('-js', '-sd', storeDir);

  let child: ChildHandle | undefined;

  const launch = async () => {
    child = await spawnProcess(bin, args);
    const current = child;
    // /healthz answers 200 once the server accepts clients and, with js-enabled-only, JetStream is up.
    const path = jetstream ? '/healthz?js-enabled-only=true' : '/healthz';
    await waitFor(
      async () => {
        if (current.lines.some((line) => /\[FTL\]|\[ERR\]/.test(line))) {
          throw new TestingError('nats-server-failed', `nats-server failed to start:\n${current.lines.join('\n')}`);
        }
        const response = await fetch(`http://127.0.0.1:${monitorPort}${path}`);
        return response.ok;
      },
      { timeoutMs: 15_000, message: `nats-server on port ${port} did not become healthy` },
    ).catch(async (error: unknown) => {
      await current.kill('SIGKILL');
      throw error;
    });
  };

  const halt = async (signal: NodeJS.Signals) => {
    if (child) {
      await child.kill(signal);
      child = undefined;
    }
  };

  await launch();
  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    storeDir,
    get pid() {
      return child?.pid ?? -1;
    },
    stop: async () => {
      await halt('SIGTERM');
      await rm(storeDir, { recursive: true, force: true });
    },
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGTERM');
      await launch();
    },
    lines: () => child?.lines ?? [],
  };
  return server;
}
