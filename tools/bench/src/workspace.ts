// What every benchmark shares: a temp folder with the generated cluster, the check that the tools it
// needs are installed, and waiting until the stack answers for the whole cluster.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APPS, bundleApps, type AppName } from '@halo/image';
import type { Stack } from '@halo/stack';
import { query, waitFor } from '@halo/testing';
import { generateCluster, manifestsOf, serviceName, type BenchCluster, type ClusterOptions } from './cluster.ts';
import type { ServerAddress } from './reference-servers.ts';

export class BenchError extends Error {
  readonly code: 'missing-tool' | 'not-synced' | 'bad-option' | 'no-node-cache';
  constructor(code: BenchError['code'], message: string) {
    super(message);
    this.name = 'BenchError';
    this.code = code;
  }
}

export type Log = (line: string) => void;

export interface PreparedCluster {
  dir: string;
  cluster: BenchCluster;
  manifests: string;
}

export async function prepareCluster(options: ClusterOptions, log: Log): Promise<PreparedCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'halo-bench-'));
  const started = Date.now();
  const cluster = generateCluster(options);
  const manifests = join(dir, 'manifests.yaml');
  await writeFile(manifests, manifestsOf(cluster));
  const endpoints = cluster.services.reduce((n, s) => n + s.endpoints.length, 0);
  const headless = cluster.services.filter((s) => s.headless).length;
  log(`generated ${cluster.services.length} Services (${headless} headless) with ${endpoints} endpoints in ${Date.now() - started} ms: ${manifests}`);
  return { dir, cluster, manifests };
}

/** dnsperf and the like must be installed; the benchmark installs nothing, it says what is missing. */
export function requireTool(name: string, path: string | undefined, debianPackage: string): string {
  if (!path) throw new BenchError('missing-tool', `${name} is not installed (Debian package ${debianPackage}: apt-get install ${debianPackage})`);
  return path;
}

/**
 * Waits until the answers cover the whole cluster: the last Service generated answers (the watcher
 * writes in no promised order, so a spread sample of others must answer too).
 */
export async function waitForCluster(server: ServerAddress, cluster: BenchCluster, log: Log, timeoutMs = 600_000): Promise<void> {
  const answering = cluster.services.filter((s) => !s.headless || s.endpoints.some((e) => e.ready));
  const step = Math.max(1, Math.floor(answering.length / 50));
  const probes = [answering[answering.length - 1], ...answering.filter((_, i) => i % step === 0)];
  const started = Date.now();
  let pending = probes.map((s) => serviceName(cluster, s));
  await waitFor(
    async () => {
      const still: string[] = [];
      for (const name of pending) {
        const response = await query(server, name, 'A', { timeoutMs: 1_000 }).catch(() => null);
        if (!response || (response.answers?.length ?? 0) === 0) still.push(name);
      }
      pending = still;
      return pending.length === 0;
    },
    { timeoutMs, intervalMs: 500 },
  ).catch(() => {
    throw new BenchError(
      'not-synced',
      `the stack did not answer for the whole cluster within ${timeoutMs / 1000} s: ${pending.length} of ${probes.length} probes still unanswered, e.g. ${pending[0]}`,
    );
  });
  log(
    `the whole cluster answers at ${server.host}:${server.port} (${probes.length} probes) ${((Date.now() - started) / 1000).toFixed(1)} s after the first probe`,
  );
}

/** What the benchmarks run of our apps: the image's bundles (as deployed) or the TypeScript sources (as `npm start`). */
export type AppForm = 'bundle' | 'ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The app a stack process runs: `answerer-1` → answerer. */
function appOf(name: string): AppName | undefined {
  return APPS.find((app) => name === app || name.startsWith(`${app}-`));
}

/**
 * Starts these processes of the stack again from the image's bundles (built into `dir` as the image
 * builds them), with the same arguments, one after the other: the stack starts the TypeScript sources,
 * a cluster runs the bundles, and their memory differs by tens of MB.
 */
export async function runFromBundles(stack: Stack, names: readonly string[], dir: string, log: Log): Promise<void> {
  const bundle = await bundleApps({ root, outDir: join(dir, 'bundle') });
  for (const name of names) {
    const proc = stack.processes.get(name);
    const app = appOf(name);
    if (!proc || !app) throw new BenchError('bad-option', `the stack runs no process ${name} to start from its bundle`);
    await proc.handle.kill('SIGTERM');
    await stack.spawn(name, bundle.entries[app], proc.args);
  }
  log(`running ${names.join(', ')} from the image's bundles`);
}
