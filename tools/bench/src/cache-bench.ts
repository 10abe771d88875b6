// `npm run bench -- cache`: a workload that the caches answer from memory (a hot set of names asked
// over and over), against our node cache and, in the same run, unbound and dnsmasq forwarding to the
// same answerer pool, one thread each; then the time from a Kubernetes API write to the new answer.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@halo/testing';
import { startStack, type Stack } from '@halo/stack';
import { dnsperfInput, questionsOf } from './cluster.ts';
import { measureChangeLatency, type ChangeLatencyResult } from './change-latency.ts';
import { runDnsperf } from './dnsperf.ts';
import { cpuPerQuery, cpuTime } from './cpu.ts';
import { peakMemory } from './memory.ts';
import { binaries, startDnsmasq, startUnbound, type RunningServer, type ServerAddress } from './reference-servers.ts';
import { formatBytes, formatMs, ratioLines, throughputTable, type Measured } from './report.ts';
import { prepareCluster, requireTool, runFromBundles, waitForCluster, type AppForm, type Log } from './workspace.ts';

export interface CacheBenchOptions {
  durationSeconds: number;
  warmupSeconds: number;
  services: number;
  endpoints: number;
  /** How many questions make the hot set. */
  hot: number;
  outstanding: number;
  changes: number;
  /** Changes timed at unbound and dnsmasq too, to show how long a TTL-bound cache stays stale (slow: up to 30 s each). */
  staleChanges: number;
  answerers: number;
  /** The node cache from the image's bundle (default) or from the TypeScript sources. */
  from?: AppForm;
}

export interface CacheBenchReport {
  nodeCache?: Measured;
  others: Measured[];
  change?: ChangeLatencyResult;
  /** Where the change latency was read: the node cache, or the answerer pool when there is none. */
  changeTarget: string;
  /** The same changes read at the reference caches. */
  staleness: { name: string; result: ChangeLatencyResult }[];
  missing: string[];
}

/** The node cache of the stack (the process `node-cache`, on the stack's `cachePort`), if it runs one. */
export function nodeCacheAddress(stack: Stack): ServerAddress | undefined {
  if (!stack.processes.has('node-cache')) return undefined;
  return { host: stack.dns.host, port: stack.cachePort };
}

export async function benchCache(options: CacheBenchOptions, log: Log): Promise<CacheBenchReport> {
  const dnsperf = requireTool('dnsperf', binaries.dnsperf(), 'dnsperf');
  const missing: string[] = [];
  const unbound = binaries.unbound();
  const dnsmasq = binaries.dnsmasq();
  if (!unbound) missing.push('unbound (Debian package unbound)');
  if (!dnsmasq) missing.push('dnsmasq (Debian package dnsmasq-base)');

  const prepared = await prepareCluster({ services: options.services, endpoints: options.endpoints }, log);
  const queryFile = join(prepared.dir, 'hot-queries.txt');
  const hot = questionsOf(prepared.cluster).slice(0, options.hot);
  await writeFile(queryFile, dnsperfInput(hot));
  log(`hot set: ${hot.length} questions, asked over and over: ${queryFile}`);

  let stack: Stack | undefined;
  const running: RunningServer[] = [];
  try {
    stack = await startStack({ manifests: prepared.manifests, answerers: options.answerers, cachePort: await freePort({ udp: true }) });
    if ((options.from ?? 'bundle') === 'bundle' && stack.processes.has('node-cache')) await runFromBundles(stack, ['node-cache'], prepared.dir, log);
    await waitForCluster(stack.dns, prepared.cluster, log);
    const zone = prepared.cluster.zone;

    const measure = async (name: string, server: ServerAddress, pid?: number): Promise<Measured> => {
      const base = { binary: dnsperf, server, queryFile, outstanding: options.outstanding };
      // The warm-up fills the cache; the measured run then asks what it holds (negative entries, capped at 5 s, expire as they would).
      log(`${name}: warming up for ${options.warmupSeconds} s, then dnsperf for ${options.durationSeconds} s`);
      await runDnsperf({ ...base, durationSeconds: Math.max(1, options.warmupSeconds), verbose: false });
      const before = pid === undefined ? undefined : await cpuTime(pid);
      const result = await runDnsperf({ ...base, durationSeconds: options.durationSeconds });
      const after = pid === undefined ? undefined : await cpuTime(pid);
      const cpu = before && after ? cpuPerQuery(before, after, result.queriesCompleted) : undefined;
      return { name, result, peakBytes: pid === undefined ? undefined : await peakMemory(pid), ...(cpu ? { cpu } : {}) };
    };

    const cacheAddress = nodeCacheAddress(stack);
    let nodeCache: Measured | undefined;
    if (cacheAddress) {
      const pid = stack.processes.get('node-cache')?.handle.pid;
      nodeCache = await measure('halo node-cache', cacheAddress, pid);
    } else {
      missing.push('our node cache (the stack runs no process named node-cache): only the reference caches are measured');
    }

    const others: Measured[] = [];
    if (unbound) {
      const server = await startUnbound(unbound, { dir: prepared.dir, zone, upstream: stack.dns });
      running.push(server);
      others.push(await measure('unbound (1 thread)', server.address, server.handle.pid));
    }
    if (dnsmasq) {
      const server = await startDnsmasq(dnsmasq, { dir: prepared.dir, zone, upstream: stack.dns });
      running.push(server);
      others.push(await measure('dnsmasq', server.address, server.handle.pid));
    }

    let change: ChangeLatencyResult | undefined;
    const changeTarget = cacheAddress ? 'the node cache' : 'the answerer pool (no node cache in the stack yet)';
    if (options.changes > 0) {
      change = await measureChangeLatency({ kubeUrl: stack.kubeUrl, target: cacheAddress ?? stack.dns, changes: options.changes, zone }, log);
    }
    const staleness: CacheBenchReport['staleness'] = [];
    if (options.staleChanges > 0) {
      for (const server of running) {
        const result = await measureChangeLatency(
          { kubeUrl: stack.kubeUrl, target: server.address, changes: options.staleChanges, zone, perChangeTimeoutMs: 45_000 },
          log,
        );
        staleness.push({ name: server.name, result });
      }
    }
    return { nodeCache, others, change, changeTarget, staleness, missing };
  } finally {
    for (const server of running) await server.stop().catch(() => undefined);
    await stack?.stop();
  }
}

export function printCacheReport(report: CacheBenchReport, options: CacheBenchOptions, log: Log): void {
  log('');
  log(
    `cache benchmark: ${options.hot} hot questions over ${options.services} Services, ${options.durationSeconds} s each, ${options.outstanding} outstanding queries, the node cache from ${(options.from ?? 'bundle') === 'bundle' ? 'its bundle' : 'its .ts sources'}`,
  );
  for (const line of report.missing) log(`not measured: ${line}`);
  const rows = [...(report.nodeCache ? [report.nodeCache] : []), ...report.others];
  if (rows.length > 0) log(throughputTable(rows));
  if (report.nodeCache && report.others.length > 0) {
    const unbound = report.others.filter((m) => m.name.startsWith('unbound'));
    const rest = report.others.filter((m) => !m.name.startsWith('unbound'));
    if (unbound.length > 0) log(ratioLines(report.nodeCache, unbound, 1.0));
    if (rest.length > 0) log(ratioLines(report.nodeCache, rest));
  }
  const peak = report.nodeCache?.peakBytes;
  if (peak !== undefined)
    log(`node cache peak memory ${formatBytes(peak)} (target ≤ 96 MB: ${peak <= 96 * 2 ** 20 ? 'met' : 'NOT met'}; at rest: npm run bench -- startup)`);
  if (report.change) {
    const p = report.change.percentiles;
    log(`change to answer at ${report.changeTarget}: ${report.change.samples.length} changes seen, ${report.change.missed} missed`);
    if (p) {
      log(
        `  p50 ${formatMs(p.p50)}, p90 ${formatMs(p.p90)}, p99 ${formatMs(p.p99)}, max ${formatMs(p.max)} (target p99 < 100 ms: ${p.p99 < 0.1 ? 'met' : 'NOT met'})`,
      );
    }
  }
  for (const { name, result } of report.staleness) {
    const p = result.percentiles;
    log(
      `change to answer at ${name} (TTL-bound, for contrast): ${result.samples.length} seen, ${result.missed} missed${p ? `; p50 ${formatMs(p.p50)}, max ${formatMs(p.max)}` : ''}`,
    );
  }
}
