// A real Jaeger v2 (all-in-one binary, memory storage) on 127.0.0.1: OTLP in, its HTTP query API out.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isExecutable, referencePath } from './binaries.ts';
import { TestingError } from './errors.ts';
import { freePort } from './ports.ts';
import { spawnProcess, type ChildHandle } from './process.ts';
import { waitFor } from './wait-for.ts';

/** The version tools/reference/build.sh builds. */
export const JAEGER_VERSION = 'v1.75.0';

export const jaegerMissingMessage =
  'Jaeger v2 not found: build it once with `tools/reference/build.sh jaeger` (needs Go; ~5 min; it lands in ' +
  '~/.cache/halo-dns/reference, see tools/reference/README.md), put `jaeger` on PATH, or set JAEGER_BIN to its path';

/** Where tools/reference/build.sh puts it. */
export function referenceJaegerPath(env: NodeJS.ProcessEnv = process.env): string {
  return referencePath(`jaeger-${JAEGER_VERSION}`, 'jaeger', env);
}

/** JAEGER_BIN, else `jaeger` on PATH, else the reference build's cache; null when none is there. */
export function findJaeger(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.JAEGER_BIN) {
    if (isExecutable(env.JAEGER_BIN)) return env.JAEGER_BIN;
    throw new TestingError('jaeger-missing', `JAEGER_BIN=${env.JAEGER_BIN} is not an executable file`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const file = join(dir, 'jaeger');
    if (isExecutable(file)) return file;
  }
  const cached = referenceJaegerPath(env);
  return isExecutable(cached) ? cached : null;
}

export interface JaegerOptions {
  /** The binary (default: findJaeger()). */
  bin?: string;
  /** The query API's port (default: a free one). */
  queryPort?: number;
}

export interface Jaeger {
  /** The HTTP query API (and placeholder UI): `${queryUrl}/api/traces?service=…`. */
  queryUrl: string;
  /** Where apps send spans: OTEL_EXPORTER_OTLP_ENDPOINT (OTLP over HTTP). */
  otlpHttpUrl: string;
  pid: number;
  lines(): string[];
  stop(): Promise<void>;
}

// Only what the tests and the stack need, every port on 127.0.0.1 and free: the all-in-one default
// config would bind a dozen fixed ports (Jaeger and Zipkin receivers, sampling, expvar, zpages, metrics).
function config(ports: { otlpGrpc: number; otlpHttp: number; queryHttp: number; queryGrpc: number; health: number }): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${ports.health}
  jaeger_storage:
    backends:
      memory_store:
        memory:
          max_traces: 100000
  jaeger_query:
    # Its own tracing makes it wait ~10 s on SIGTERM.
    enable_tracing: false
    storage:
      traces: memory_store
    http:
      endpoint: 127.0.0.1:${ports.queryHttp}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${ports.otlpGrpc}
      http:
        endpoint: 127.0.0.1:${ports.otlpHttp}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memory_store
`;
}

/** Starts Jaeger v2 on 127.0.0.1 and waits until it is healthy. Throws TestingError('jaeger-missing') without a binary. */
export async function startJaeger(options: JaegerOptions = {}): Promise<Jaeger> {
  const bin = options.bin ?? findJaeger();
  if (!bin) throw new TestingError('jaeger-missing', jaegerMissingMessage);
  const ports = {
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
    queryHttp: options.queryPort ?? (await freePort()),
    queryGrpc: await freePort(),
    health: await freePort(),
  };
  const dir = await mkdtemp(join(tmpdir(), 'halo-jaeger-'));
  const file = join(dir, 'config.yaml');
  await writeFile(file, config(ports));
  let child: ChildHandle;
  try {
    child = await spawnProcess(bin, [`--config=file:${file}`]);
    let exited = false;
    void child.exited.then(() => (exited = true));
    await waitFor(
      async () => {
        if (exited) throw new TestingError('jaeger-failed', `jaeger exited while starting:\n${child.lines.join('\n')}`);
        const response = await fetch(`http://127.0.0.1:${ports.health}/status`).catch(() => null);
        return response?.ok === true;
      },
      { timeoutMs: 30_000, message: `jaeger did not become healthy on 127.0.0.1:${ports.health}` },
    ).catch(async (error: unknown) => {
      await child.kill('SIGKILL');
      throw error;
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    queryUrl: `http://127.0.0.1:${ports.queryHttp}`,
    otlpHttpUrl: `http://127.0.0.1:${ports.otlpHttp}`,
    pid: child.pid,
    lines: () => child.lines,
    stop: async () => {
      const killer = setTimeout(() => void child.kill('SIGKILL'), 10_000);
      await child.kill('SIGTERM');
      clearTimeout(killer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
