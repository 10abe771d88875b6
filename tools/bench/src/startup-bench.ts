// npm run bench -- startup: each app's resident memory once it has started and settled, run two ways:
// from the TypeScript sources (Node strips the types as it loads them) and from the image's bundle
// (tools/image). The image ships the lighter; this prints both so the choice can be checked again.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { kubeadmCorefile } from '@halo/corefile';
import { APPS, bundleApps, type AppName } from '@halo/image';
import { freePort, spawnProcess, startKubeSim, startNatsServer, type ChildHandle } from '@halo/testing';
import { parseStatusKb } from './memory.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface StartupBenchOptions {
  /** Seconds each process idles after its ready line before its memory is read. */
  settleSeconds: number;
}

export interface StartupRow {
  /** An app, or `node` alone (an idle `node -e`): the floor every app stands on. */
  app: AppName | 'node';
  form: 'ts' | 'bundle';
  rssBytes: number;
  /** Of which anonymous (V8's heap, malloc, stacks) and file-backed (mostly Node's binary, shared by every Node process on the machine). */
  anonBytes: number;
  fileBytes: number;
  /** Milliseconds from spawn to the ready line. */
  readyMs: number;
}

/** The answerers' headless Service and its one slice (the answerer on 127.0.0.1), as kube-sim seed YAML. */
function answerersServiceYaml(port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: halo-answerers, namespace: kube-system }
spec: { clusterIP: None, ports: [{ name: dns, port: ${port}, protocol: UDP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: halo-answerers-1, namespace: kube-system, labels: { kubernetes.io/service-name: halo-answerers } }
addressType: IPv4
ports: [{ name: dns, port: ${port}, protocol: UDP }]
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
`;
}

/** The resident bytes of a process, anonymous and file-backed (the apps' V8 re-exec keeps the PID). */
async function rss(pid: number): Promise<{ rssBytes: number; anonBytes: number; fileBytes: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return { rssBytes: parseStatusKb(status, 'VmRSS') ?? 0, anonBytes: parseStatusKb(status, 'RssAnon') ?? 0, fileBytes: parseStatusKb(status, 'RssFile') ?? 0 };
}

export async function benchStartup(options: StartupBenchOptions, log: (line: string) => void): Promise<StartupRow[]> {
  const work = await mkdtemp(join(tmpdir(), 'halo-startup-'));
  const nats = await startNatsServer({ jetstream: true });
  const dnsPort = await freePort({ udp: true });
  // The node cache runs as deployed: its pool is the answerers' headless Service, followed through the
  // API server (here the one answerer, on loopback).
  const pool = join(work, 'answerers.yaml');
  await writeFile(pool, answerersServiceYaml(dnsPort));
  const sim = await startKubeSim({ port: 0, host: '127.0.0.1', seedFiles: [join(root, 'deploy/examples/demo-cluster.yaml'), pool] });
  const running: ChildHandle[] = [];
  try {
    log('bundling the apps as the image does');
    const bundle = await bundleApps({ root, outDir: join(work, 'bundle') });
    const corefile = join(work, 'Corefile');
    await writeFile(corefile, kubeadmCorefile.replace(/health \{\s*lameduck \S+\s*\}/, 'health'));
    // Real starts on loopback: the answerer serves the zone the watcher wrote, the cache sits in front.
    const argsOf = async (app: AppName): Promise<string[]> => {
      const common = ['--nats', nats.url];
      switch (app) {
        case 'watcher':
          return [...common, '--kube-server', sim.url, '--admin-host', '127.0.0.1', '--admin-port', '0', '--identity', `bench-${Date.now()}`];
        case 'answerer':
          return [
            ...common,
            '--corefile',
            corefile,
            '--dns-host',
            '127.0.0.1',
            '--dns-port',
            String(dnsPort),
            '--admin-host',
            '127.0.0.1',
            '--admin-port',
            '0',
            '--workers',
            '1',
          ];
        case 'node-cache':
          return [
            ...common,
            '--listen',
            `127.0.0.1:${await freePort({ udp: true })}`,
            '--answerers-service',
            `kube-system/halo-answerers:${dnsPort}`,
            '--kube-server',
            sim.url,
            '--admin-host',
            '127.0.0.1',
            '--admin-port',
            '0',
          ];
        case 'config':
          return [...common, '--kube-server', sim.url, '--host', '127.0.0.1', '--port', '0', '--admin-host', '127.0.0.1', '--admin-port', '0'];
        case 'node-guard':
          // A port where nothing answers: the guard only probes; with no rules of ours it changes nothing.
          return ['--probe', `127.0.0.1:${await freePort({ udp: true })}`, '--admin-host', '127.0.0.1', '--admin-port', '0'];
      }
    };
    const rows: StartupRow[] = [];
    // The floor: Node itself, idle, with nothing loaded.
    const bare = await spawnProcess('node', ['-e', 'console.log(JSON.stringify({ ready: true })); setInterval(() => {}, 60_000);'], {
      readyLine: /"ready":true/,
      timeoutMs: 60_000,
    });
    running.push(bare);
    await delay(options.settleSeconds * 1000);
    rows.push({ app: 'node', form: 'bundle', ...(await rss(bare.pid)), readyMs: 0 });
    await bare.kill('SIGTERM');
    // The watcher and an answerer stay up (the others need the zone), each measured in its own run.
    const order: AppName[] = ['watcher', 'answerer', 'node-cache', 'config', 'node-guard'];
    let zone: ChildHandle[] = [];
    for (const form of ['ts', 'bundle'] as const) {
      for (const app of order) {
        const entry = form === 'ts' ? join(root, 'apps', app, 'src', 'main.ts') : bundle.entries[app];
        const started = performance.now();
        const child = await spawnProcess(entry, await argsOf(app), {
          readyLine: /"ready":true/,
          timeoutMs: 60_000,
          env: { ...process.env, LOG_LEVEL: 'warn', HALO_CONFIG_TOKEN: 'bench-token', OTEL_SDK_DISABLED: 'true' },
        });
        const readyMs = Math.round(performance.now() - started);
        running.push(child);
        await delay(options.settleSeconds * 1000);
        const bytes = await rss(child.pid);
        rows.push({ app, form, ...bytes, readyMs });
        log(`${app.padEnd(10)} ${form.padEnd(6)} ${(bytes.rssBytes / 2 ** 20).toFixed(1).padStart(6)} MB   ready in ${readyMs} ms`);
        if (app === 'watcher' || app === 'answerer') zone.push(child);
        else await child.kill('SIGTERM');
      }
      for (const child of zone.reverse()) await child.kill('SIGTERM');
      zone = [];
    }
    return rows;
  } finally {
    for (const child of running) await child.kill('SIGKILL').catch(() => undefined);
    await sim.close();
    await nats.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** The resident-memory targets at rest (issue: the node cache ≤ 64 MB idle, its guard ≤ 48 MB). */
const TARGETS: Partial<Record<AppName, number>> = { 'node-cache': 64, 'node-guard': 48 };

export function printStartupReport(rows: StartupRow[], log: (line: string) => void): void {
  log('');
  log('| app | RSS at rest, .ts (type stripping) | RSS at rest, bundle | difference | bundle: anonymous | bundle: file-backed | target |');
  log('| --- | --- | --- | --- | --- | --- | --- |');
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;
  for (const app of APPS) {
    const ts = rows.find((r) => r.app === app && r.form === 'ts');
    const bundle = rows.find((r) => r.app === app && r.form === 'bundle');
    if (!ts || !bundle) continue;
    const target = TARGETS[app];
    const verdict = target === undefined ? '' : `≤ ${target} MB: ${bundle.rssBytes <= target * 2 ** 20 ? 'met' : 'NOT met'}`;
    log(
      `| ${app} | ${mb(ts.rssBytes)} | ${mb(bundle.rssBytes)} | ${mb(bundle.rssBytes - ts.rssBytes)} | ${mb(bundle.anonBytes)} | ${mb(bundle.fileBytes)} | ${verdict} |`,
    );
  }
  const bare = rows.find((r) => r.app === 'node');
  if (bare) log(`| node alone (node -e, idle) | | ${mb(bare.rssBytes)} | | ${mb(bare.anonBytes)} | ${mb(bare.fileBytes)} | |`);
}
