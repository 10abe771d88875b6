// `npm run bench -- answerer`: the answerer pool serving a big cluster, against knot serving the same
// names from a zone file and CoreDNS reading the same cluster from the same kube-sim (kubeadm's
// Corefile), under the same dnsperf workload, one after the other in one run.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { query } from '@halo/testing';
import { startStack, type Stack } from '@halo/stack';
import { dnsperfInput, questionsOf, zoneFileOf, type Question } from './cluster.ts';
import { findCoredns, startCoredns, type Coredns } from './coredns.ts';
import { runDnsperf, type DnsperfOptions } from './dnsperf.ts';
import { peakMemory, residentMemory } from './memory.ts';
import { binaries, startKnot, type RunningServer, type ServerAddress } from './reference-servers.ts';
import { formatBytes, ratioLines, throughputTable, type Measured } from './report.ts';
import { prepareCluster, requireTool, runFromBundles, waitForCluster, type AppForm, type Log } from './workspace.ts';

export interface AnswererBenchOptions {
  durationSeconds: number;
  answerers: number;
  services: number;
  endpoints: number;
  /** Seconds of load before each measured run, so Node's JIT is warm (and knot's caches alike). */
  warmupSeconds: number;
  outstanding: number;
  /** Skip knot even where it is installed. */
  noKnot?: boolean;
  /** The coredns binary (`--coredns PATH`); else found as tools/compare finds it. */
  coredns?: string;
  /** Skip CoreDNS even where it is found. */
  noCoredns?: boolean;
  /** The watcher and the answerers from the image's bundles (default) or from the TypeScript sources. */
  from?: AppForm;
}

export interface AnswererBenchReport {
  ours: Measured;
  knot?: Measured;
  /** CoreDNS 1.14.7 (kubeadm's Corefile, the same kube-sim), with its memory once it answered for the whole cluster. */
  coredns?: Measured & { readyBytes?: number };
  answererPeakBytes: (number | undefined)[];
  /** The watcher holding the same cluster: resident once the answerers answered for all of it, and its peak by the end. */
  watcher?: { readyBytes?: number; peakBytes?: number };
  /** Questions the answerer and knot answered differently (rcode or answer count). */
  mismatches: string[];
}

async function measure(name: string, dnsperf: string, server: ServerAddress, queryFile: string, options: AnswererBenchOptions, log: Log): Promise<Measured> {
  const base: Omit<DnsperfOptions, 'durationSeconds'> = { binary: dnsperf, server, queryFile, outstanding: options.outstanding };
  if (options.warmupSeconds > 0) {
    log(`${name}: warming up for ${options.warmupSeconds} s`);
    await runDnsperf({ ...base, durationSeconds: options.warmupSeconds, verbose: false });
  }
  log(`${name}: dnsperf for ${options.durationSeconds} s against ${server.host}:${server.port}`);
  return { name, result: await runDnsperf({ ...base, durationSeconds: options.durationSeconds }) };
}

/**
 * Asks both servers every question of the workload (50 at a time) and lists where the rcode or the
 * number of answers differ: a throughput ratio means something only if both sides answer alike.
 */
export async function workloadMismatches(questions: readonly Question[], ours: ServerAddress, theirs: ServerAddress, concurrency = 50): Promise<string[]> {
  const found: string[] = [];
  let next = 0;
  const shape = (r: Awaited<ReturnType<typeof query>> | null) => (r ? `${r.rcode} ${r.answers?.length ?? 0} answer(s)` : 'no answer');
  const worker = async () => {
    while (next < questions.length) {
      const q = questions[next++];
      const [a, b] = await Promise.all([ours, theirs].map((server) => query(server, q.name, q.type, { edns: 4096, timeoutMs: 2_000 }).catch(() => null)));
      if (shape(a) !== shape(b)) found.push(`${q.name} ${q.type}: ours ${shape(a)}, theirs ${shape(b)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return found;
}

export async function benchAnswerer(options: AnswererBenchOptions, log: Log): Promise<AnswererBenchReport> {
  const dnsperf = requireTool('dnsperf', binaries.dnsperf(), 'dnsperf');
  const knotd = options.noKnot ? undefined : binaries.knotd();
  if (!knotd && !options.noKnot) log('knotd is not installed (Debian package knot): no knot side');
  const corednsBinary = options.noCoredns ? undefined : findCoredns(options.coredns);
  if (!corednsBinary && !options.noCoredns) {
    log(
      options.coredns
        ? `no CoreDNS at ${options.coredns}: no CoreDNS side`
        : 'no coredns found (PATH, tools/reference/build.sh coredns, ~/go/bin): no CoreDNS side',
    );
  }

  const prepared = await prepareCluster({ services: options.services, endpoints: options.endpoints }, log);
  const queryFile = join(prepared.dir, 'queries.txt');
  const questions = questionsOf(prepared.cluster);
  await writeFile(queryFile, dnsperfInput(questions));
  log(`query file: ${questions.length} questions (A, AAAA, SRV, endpoint names, NXDOMAIN): ${queryFile}`);

  let stack: Stack | undefined;
  let knot: RunningServer | undefined;
  let coredns: Coredns | undefined;
  let mismatches: string[] = [];
  try {
    log(`starting the stack with ${options.answerers} answerer(s)…`);
    const started = Date.now();
    stack = await startStack({ manifests: prepared.manifests, answerers: options.answerers });
    log(`the stack is up in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for the whole cluster to answer`);
    if ((options.from ?? 'bundle') === 'bundle') {
      await runFromBundles(stack, ['watcher', ...Array.from({ length: options.answerers }, (_, i) => `answerer-${i}`)], prepared.dir, log);
    }
    await waitForCluster(stack.dns, prepared.cluster, log);
    const watcherPid = stack.processes.get('watcher')?.handle.pid;
    const watcherReady = watcherPid === undefined ? undefined : await residentMemory(watcherPid);

    if (knotd) {
      const zoneFile = join(prepared.dir, `${prepared.cluster.zone}.zone`);
      await writeFile(zoneFile, zoneFileOf(prepared.cluster));
      knot = await startKnot(knotd, { dir: prepared.dir, zone: prepared.cluster.zone, zoneFile });
      log(`knot serves the same names from ${zoneFile}, one worker each (udp, tcp, background)`);
      mismatches = await workloadMismatches(questions, stack.dns, knot.address);
      log(`workload check: ${mismatches.length} of ${questions.length} questions answered differently by the answerer and knot`);
      for (const line of mismatches.slice(0, 10)) log(`  ${line}`);
    }

    const answererPids = [...stack.processes.values()].filter((p) => p.name.startsWith('answerer')).map((p) => p.handle.pid);
    const ours = await measure(`halo answerer ×${options.answerers}`, dnsperf, stack.dns, queryFile, options, log);
    const answererPeakBytes = await Promise.all(answererPids.map((pid) => peakMemory(pid)));
    ours.peakBytes = Math.max(...answererPeakBytes.map((b) => b ?? 0)) || undefined;
    ours.note = `peak memory is the largest of ${answererPids.length} answerer process(es): ${answererPeakBytes.map(formatBytes).join(', ')}`;

    let knotMeasured: Measured | undefined;
    if (knot) {
      knotMeasured = await measure('knot (1 udp worker)', dnsperf, knot.address, queryFile, options, log);
      knotMeasured.peakBytes = await peakMemory(knot.handle.pid);
    }

    let corednsMeasured: AnswererBenchReport['coredns'];
    if (corednsBinary) {
      // Started only now, so its start does not share the machine with the answerers' measured run.
      log(`starting CoreDNS (${corednsBinary}) with the same Corefile against the same kube-sim…`);
      coredns = await startCoredns(corednsBinary, {
        corefile: await readFile(stack.corefile, 'utf8'),
        kubeUrl: stack.kubeUrl,
        dir: prepared.dir,
        readyTimeoutMs: 600_000,
      });
      await waitForCluster(coredns.address, prepared.cluster, log);
      const readyBytes = await residentMemory(coredns.handle.pid);
      const measured = await measure('coredns 1.14.7', dnsperf, coredns.address, queryFile, options, log);
      corednsMeasured = { ...measured, peakBytes: await peakMemory(coredns.handle.pid), readyBytes };
    }
    const watcher = watcherPid === undefined ? undefined : { readyBytes: watcherReady, peakBytes: await peakMemory(watcherPid) };
    return { ours, knot: knotMeasured, coredns: corednsMeasured, answererPeakBytes, watcher, mismatches };
  } finally {
    await coredns?.stop();
    await knot?.stop();
    await stack?.stop();
  }
}

export function printAnswererReport(report: AnswererBenchReport, options: AnswererBenchOptions, log: Log): void {
  const rows = [report.ours, ...(report.knot ? [report.knot] : []), ...(report.coredns ? [report.coredns] : [])];
  log('');
  log(
    `answerer benchmark: ${options.services} Services, ${options.endpoints} endpoints, ${options.durationSeconds} s each, ${options.outstanding} outstanding queries, our apps from ${(options.from ?? 'bundle') === 'bundle' ? "the image's bundles" : 'the .ts sources'}`,
  );
  log(throughputTable(rows));
  if (report.knot) log(ratioLines(report.ours, [report.knot], options.answerers === 1 ? 0.8 : undefined));
  if (report.coredns) log(ratioLines(report.ours, [report.coredns]));
  if (report.knot && report.mismatches.length > 0) log(`workload check: ${report.mismatches.length} questions answered differently (the first listed above)`);
  const peak = report.ours.peakBytes;
  if (peak !== undefined) log(`answerer peak memory ${formatBytes(peak)} (target < 300 MB: ${peak < 300 * 1024 * 1024 ? 'met' : 'NOT met'})`);
  for (const line of memoryLines(report)) log(line);
  if (options.answerers !== 1) log('(the ratio target ≥ 0.8 is for one worker each: run with --answerers 1)');
}

/** The memory figures against CoreDNS's: the answerer's peak ≤ 0.75 × CoreDNS's, the watcher's ≤ CoreDNS's. */
export function memoryLines(report: Pick<AnswererBenchReport, 'ours' | 'coredns' | 'watcher'>): string[] {
  const lines: string[] = [];
  const theirs = report.coredns?.peakBytes;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  if (report.coredns)
    lines.push(`coredns memory: ${formatBytes(report.coredns.readyBytes)} once it answered for the whole cluster, peak ${formatBytes(theirs)}`);
  const ours = report.ours.peakBytes;
  if (ours !== undefined && theirs) {
    const ratio = ours / theirs;
    lines.push(`answerer peak / coredns peak: ${ratio.toFixed(2)} (target ≤ 0.75: ${verdict(ratio <= 0.75)})`);
  }
  const watcher = report.watcher;
  if (watcher) {
    const against = theirs ? ` (target ≤ coredns's peak ${formatBytes(theirs)}: ${verdict((watcher.peakBytes ?? Infinity) <= theirs)})` : '';
    lines.push(`watcher memory: ${formatBytes(watcher.readyBytes)} once the cluster answered, peak ${formatBytes(watcher.peakBytes)}${against}`);
  }
  return lines;
}
