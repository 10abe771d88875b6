// `npm run bench -- scale`: Halo DNS at cluster size. A generated cluster (10 000 Services, 100 000
// endpoints by default) in kube-sim; then, one after the other on the same processes: a cold start to
// a complete zone, memory across an API server restart, the watcher leader SIGKILLed under a stream of
// changes, propagation to a node cache under sustained churn, and fan-out to many node caches and to
// many lightweight subscribers of the change subject. CoreDNS 1.14.7 beside it where it has a
// counterpart (time to ready, memory across the restart).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { buckets, decodeZoneComplete, zoneCompleteKey } from '@halo/bus';
import type { ScaleStep } from './config.ts';
import { corednsCorefile, findCoredns } from './coredns.ts';
import { findControlPlaneBinaries, startControlPlane } from '@halo/control-plane';
import { loadKubeConfig } from '@halo/kube';
import { kubeadmCorefile } from '@halo/corefile';
import { freePort, query, spawnProcess, startNatsServer, waitFor, type ChildHandle, type NatsServer } from '@halo/testing';
import { Churn, atRate, churnKey, churnManifests, churnName, probeMove, type Move } from './churn.ts';
import { serviceName } from './cluster.ts';
import { percentiles, type Percentiles } from './dnsperf.ts';
import { residentMemory } from './memory.ts';
import type { ServerAddress } from './reference-servers.ts';
import { formatBytes } from './report.ts';
import { prepareCluster, type Log } from './workspace.ts';

export interface ScaleBenchOptions {
  services: number;
  endpoints: number;
  answerers: number;
  /** The watchers' lease duration in seconds (the default is the watcher's own). */
  leaseSeconds: number;
  /** Sustained churn: changes a second, for so many seconds. */
  churnRate: number;
  churnSeconds: number;
  /** Node caches (processes) for the fan-out. */
  caches: number;
  /** Lightweight subscribers of halo.zone.changed (NATS connections, 125 to a process). */
  subscribers: number;
  /** Changes timed in each fan-out step. */
  fanoutChanges: number;
  /** CoreDNS binary (default: PATH, ~/go/bin, then tools/reference's cache). */
  coredns?: string;
  noCoredns?: boolean;
  /** Skip the memory step against a real kube-apiserver (tools/control-plane). */
  noApiserver?: boolean;
  /** The steps to run (default all). Our cold start runs always: every other step uses its processes. */
  steps?: readonly ScaleStep[];
}

/** Seconds from the cold start, or undefined when it did not happen. */
type At = number | undefined;

export interface ColdStart {
  informersSynced: At;
  /** The watcher's initial write: record sets written and milliseconds from its first write to the marker. */
  initialWrites?: number;
  initialWriteMs?: number;
  /** The watcher's CPU time over that write (steadier than the wall time on a shared machine). */
  initialWriteCpuMs?: number;
  zoneComplete: At;
  firstAnswererReady: At;
  allAnswerersReady: At;
  lastServiceAnswers: At;
}

export interface CorednsColdStart {
  ready: At;
  lastServiceAnswers: At;
}

export interface MemoryAcross {
  /** The process, and the API server it watches. */
  name: string;
  beforeBytes?: number;
  peakBytes?: number;
  afterBytes?: number;
}

export interface Takeover {
  leaseSeconds: number;
  /** Kill → the standby logs that it leads; kill → its zone marked complete. */
  leadingAfter: At;
  completeAfter: At;
  /** Kill → the first change written after the kill answered at the pool. */
  changesFlowAfter: At;
  delays?: Percentiles;
  changes: number;
  missed: number;
  /** What the new leader wrote, and how many keys changed while it took over. */
  newLeaderPuts?: number;
  newLeaderDeletes?: number;
  keysChangedAcross: number;
}

export interface Propagation {
  label: string;
  changes: number;
  targets: number;
  samples: Percentiles | undefined;
  missed: number;
  /** Changes a second actually started. */
  rate: number;
}

export interface ScaleReport {
  options: ScaleBenchOptions;
  coldStart: ColdStart;
  coredns?: CorednsColdStart;
  memory: MemoryAcross[];
  takeover?: Takeover;
  churn?: Propagation;
  fanout: Propagation[];
  notes: string[];
}

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = (path: string) => join(root, path);
const host = '127.0.0.1';
const churnSlots = 200;
const seconds = (fromMs: number, toMs: number | undefined): At => (toMs === undefined ? undefined : (toMs - fromMs) / 1000);

/** A JSON log line's field, if the line is one. */
function logField(line: string, field: string): unknown {
  if (!line.startsWith('{')) return undefined;
  try {
    return (JSON.parse(line) as Record<string, unknown>)[field];
  } catch {
    return undefined;
  }
}

const readyLinePort = (line: string): number | undefined => {
  const admin = logField(line, 'admin');
  return typeof admin === 'number' ? admin : undefined;
};

/** Waits for a line matching `re` and returns the wall clock (ms) at which it was logged, or seen. */
async function lineTime(handle: ChildHandle, re: RegExp, timeoutMs: number): Promise<number | undefined> {
  const line = await handle.waitForLine(re, timeoutMs).catch(() => undefined);
  if (line === undefined) return undefined;
  const time = logField(line, 'time');
  return typeof time === 'number' ? time : Date.now();
}

async function metric(adminPort: number, name: string, labels: string): Promise<number | undefined> {
  const text = await fetch(`http://${host}:${adminPort}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function answersA(target: ServerAddress, name: string): Promise<boolean> {
  const response = await query(target, name, 'A', { timeoutMs: 500 }).catch(() => null);
  return (response?.answers ?? []).some((a) => a.type === 'A');
}

/** Polls `until` every `intervalMs`; the wall clock (ms) when it first held, or undefined at the deadline. */
async function when(until: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<number | undefined> {
  return waitFor(async () => ((await until()) ? Date.now() : false), { timeoutMs, intervalMs }).catch(() => undefined);
}

/** Samples resident memory every 250 ms until it stays within 3 % for 5 s (at least `minMs`, at most `maxMs`). */
async function settledMemory(pids: Map<string, number>, minMs: number, maxMs: number): Promise<Map<string, { peak: number; last: number }>> {
  const seen = new Map<string, { peak: number; last: number; history: number[] }>();
  const started = Date.now();
  for (;;) {
    for (const [name, pid] of pids) {
      const rss = (await residentMemory(pid)) ?? 0;
      const s = seen.get(name) ?? { peak: 0, last: 0, history: [] };
      s.peak = Math.max(s.peak, rss);
      s.last = rss;
      s.history.push(rss);
      seen.set(name, s);
    }
    const elapsed = Date.now() - started;
    const steady = [...seen.values()].every((s) => {
      const recent = s.history.slice(-20);
      return recent.length === 20 && Math.max(...recent) <= Math.min(...recent) * 1.03;
    });
    if ((elapsed >= minMs && steady) || elapsed >= maxMs) return new Map([...seen].map(([k, v]) => [k, { peak: v.peak, last: v.last }]));
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

class ScaleSystem {
  readonly children: ChildHandle[] = [];
  nats!: NatsServer;
  nc!: NatsConnection;
  kv!: KV;
  kubeUrl = '';
  kubeSim!: ChildHandle;
  dns!: ServerAddress;

  async spawn(path: string, args: string[], readyLine: RegExp | null = /"ready":true/, timeoutMs = 600_000): Promise<ChildHandle> {
    const handle = await spawnProcess(path.startsWith('/') ? path : entry(path), args, {
      readyLine: readyLine ?? undefined,
      timeoutMs,
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
    });
    this.children.push(handle);
    return handle;
  }

  watcherArgs(identity: string, leaseSeconds: number): string[] {
    return [
      '--nats',
      this.nats.url,
      '--kube-server',
      this.kubeUrl,
      '--admin-host',
      host,
      '--admin-port',
      '0',
      '--identity',
      identity,
      '--lease-duration',
      String(leaseSeconds),
    ];
  }

  async nodeCache(name: string): Promise<{ handle: ChildHandle; address: ServerAddress }> {
    const port = await freePort({ udp: true });
    const handle = await this.spawn(
      'apps/node-cache/src/main.ts',
      ['--listen', `${host}:${port}`, '--answerers', `${host}:${this.dns.port}`, '--nats', this.nats.url, '--instance', name, '--upstream', '127.0.0.1:9'],
      /"bus":"connected"/,
      120_000,
    );
    return { handle, address: { host, port } };
  }

  async marker(): Promise<{ writer: string } | null> {
    const entry = await this.kv.get(zoneCompleteKey).catch(() => null);
    if (!entry || entry.operation !== 'PUT') return null;
    const decoded = decodeZoneComplete(entry.value);
    return decoded.ok ? decoded.value : null;
  }

  /** Stops one child before the rest. */
  async dismiss(child: ChildHandle): Promise<void> {
    await child.kill('SIGTERM');
    this.children.splice(this.children.indexOf(child), 1);
  }

  async stop(): Promise<void> {
    for (const child of [...this.children].reverse()) {
      const killer = setTimeout(() => void child.kill('SIGKILL'), 8_000);
      await child.kill('SIGTERM').catch(() => undefined);
      clearTimeout(killer);
    }
    await this.nc?.close().catch(() => undefined);
    await this.nats?.stop();
  }
}

export async function benchScale(options: ScaleBenchOptions, log: Log): Promise<ScaleReport> {
  const notes: string[] = [];
  const prepared = await prepareCluster({ services: options.services, endpoints: options.endpoints }, log);
  const churnFile = join(prepared.dir, 'churn.json');
  await writeFile(churnFile, churnManifests(churnSlots));
  const lastService = prepared.cluster.services.filter((s) => !s.headless).at(-1);
  const lastName = lastService ? serviceName(prepared.cluster, lastService) : churnName(churnSlots - 1);

  const steps = new Set(options.steps ?? ['cold', 'memory', 'takeover', 'churn', 'fanout']);
  const system = new ScaleSystem();
  const report: ScaleReport = {
    options,
    coldStart: {
      informersSynced: undefined,
      zoneComplete: undefined,
      firstAnswererReady: undefined,
      allAnswerersReady: undefined,
      lastServiceAnswers: undefined,
    },
    memory: [],
    fanout: [],
    notes,
  };
  try {
    system.nats = await startNatsServer({ jetstream: true });
    system.nc = await connect({ servers: system.nats.url, name: 'bench-scale' });
    system.kv = await new Kvm(system.nc).create(buckets.zone, { history: 1 });
    const kubePort = await freePort();
    system.kubeUrl = `http://${host}:${kubePort}`;
    log('seeding kube-sim…');
    system.kubeSim = await system.spawn('tools/kube-sim/src/main.ts', [
      '--port',
      String(kubePort),
      '--host',
      host,
      '--seed',
      prepared.manifests,
      '--seed',
      churnFile,
    ]);
    system.dns = { host, port: await freePort({ udp: true }) };

    // 1. Cold start: the watcher and the answerers at once, as the pods of a new cluster.
    log(`cold start: the watcher and ${options.answerers} answerer(s) at once`);
    const t0 = Date.now();
    const lastAnswers = when(() => answersA(system.dns, lastName), 600_000, 50);
    const complete = when(async () => (await system.marker()) !== null, 600_000, 50);
    const [watcher, ...answerers] = await Promise.all([
      system.spawn('apps/watcher/src/main.ts', system.watcherArgs('watcher-0', options.leaseSeconds)),
      ...Array.from({ length: options.answerers }, (_, i) =>
        system.spawn('apps/answerer/src/main.ts', [
          '--nats',
          system.nats.url,
          '--dns-host',
          host,
          '--dns-port',
          String(system.dns.port),
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
    ]);
    const answererReady = await Promise.all(answerers.map((a) => lineTime(a, /zone complete; answering/, 1_000)));
    const readyAt = answererReady.filter((t): t is number => t !== undefined);
    const zoneLine = await watcher.waitForLine(/"msg":"zone complete"/, 600_000).catch(() => undefined);
    report.coldStart = {
      informersSynced: seconds(t0, await lineTime(watcher, /"msg":"informers synced"/, 1_000)),
      initialWrites: zoneLine ? Number(logField(zoneLine, 'writes')) : undefined,
      initialWriteMs: zoneLine ? Number(logField(zoneLine, 'ms')) : undefined,
      initialWriteCpuMs: zoneLine ? Number(logField(zoneLine, 'cpuMs')) : undefined,
      zoneComplete: seconds(t0, await complete),
      firstAnswererReady: readyAt.length > 0 ? seconds(t0, Math.min(...readyAt)) : undefined,
      allAnswerersReady: readyAt.length === answerers.length ? seconds(t0, Math.max(...readyAt)) : undefined,
      lastServiceAnswers: seconds(t0, await lastAnswers),
    };
    log(`  zone complete at ${report.coldStart.zoneComplete?.toFixed(2)} s; the initial write took ${report.coldStart.initialWriteMs} ms`);

    // CoreDNS on the same kube-sim, alone (after ours, not competing for the CPU).
    let coredns: ChildHandle | undefined;
    const wantCoredns = !options.noCoredns && (steps.has('cold') || steps.has('memory'));
    const binary = wantCoredns ? findCoredns(options.coredns) : undefined;
    if (!binary && wantCoredns) notes.push('CoreDNS not found (tools/reference/build.sh coredns, or --coredns PATH): measured ours alone');
    if (binary) {
      const ports = { dns: await freePort({ udp: true }), health: await freePort(), ready: await freePort(), metrics: await freePort() };
      const file = join(prepared.dir, 'coredns.Corefile');
      await writeFile(file, corednsCorefile(kubeadmCorefile.replace(/health \{\s*lameduck \S+\s*\}/, 'health'), { kubeUrl: system.kubeUrl, host, ports }));
      log(`CoreDNS ${binary}: cold start against the same kube-sim`);
      const c0 = Date.now();
      const cLast = when(() => answersA({ host, port: ports.dns }, lastName), 600_000, 50);
      coredns = await system.spawn(binary, ['-conf', file], null);
      const ready = await when(async () => (await fetch(`http://${host}:${ports.ready}/ready`).catch(() => null))?.ok === true, 600_000, 50);
      report.coredns = { ready: seconds(c0, ready), lastServiceAnswers: seconds(c0, await cLast) };
    }

    // 2. Memory across an API server restart: every watch ends, informers list everything again.
    if (steps.has('memory')) {
      const pids = new Map<string, number>([['watcher', watcher.pid], ...answerers.map((a, i): [string, number] => [`answerer-${i}`, a.pid])]);
      if (coredns) pids.set('coredns', coredns.pid);
      log('memory: settling before an API server restart (kube-sim SIGHUP)…');
      const before = await settledMemory(pids, 5_000, 60_000);
      process.kill(system.kubeSim.pid, 'SIGHUP');
      const after = await settledMemory(pids, 15_000, 120_000);
      report.memory = [...pids.keys()].map((name) => ({
        name: `${name} (kube-sim)`,
        beforeBytes: before.get(name)?.last,
        peakBytes: after.get(name)?.peak,
        afterBytes: after.get(name)?.last,
      }));
    }
    if (coredns) await system.dismiss(coredns);
    if (steps.has('memory') && !options.noApiserver)
      report.memory.push(...(await memoryAcrossApiServerRestart([prepared.manifests, churnFile], options, binary, log, notes)));

    // 3. Takeover: the leader SIGKILLed under a change every 100 ms, timed at the answerer pool.
    if (steps.has('takeover')) report.takeover = await takeover(system, watcher, options, log);

    // 4. Sustained churn through one node cache.
    if (!steps.has('churn') && !steps.has('fanout')) return report;
    const cache = await system.nodeCache('node-cache-0');
    const churn = new Churn(system.kubeUrl, churnSlots);
    if (steps.has('churn')) {
      const churnCount = Math.max(1, Math.round(options.churnRate * options.churnSeconds));
      log(`churn: ${churnCount} changes at ${options.churnRate}/s, each timed from the API write to the new answer at the node cache`);
      report.churn = await propagation(
        `churn ${options.churnRate}/s × ${options.churnSeconds} s, 1 node cache`,
        churn,
        [cache.address],
        churnCount,
        options.churnRate,
      );
    }
    if (!steps.has('fanout')) return report;

    // 5. Fan-out: many node caches (processes), then lightweight subscribers of the change subject.
    const caches = [cache.address];
    log(`fan-out: starting ${options.caches - 1} more node caches…`);
    for (let i = 1; i < options.caches; i++) caches.push((await system.nodeCache(`node-cache-${i}`)).address);
    const fanoutRate = 10;
    // Caches just started are still compiling their query path (50 processes on the bench's cores):
    // a first untimed round lets them settle, or the first row times their start-up, not the fan-out.
    log(`fan-out: a warm-up round of 10 changes across every cache (not timed)…`);
    await propagation('warm-up', churn, caches, 10, fanoutRate);
    report.fanout.push(await propagation(`${caches.length} node caches`, churn, caches, options.fanoutChanges, fanoutRate));
    if (options.subscribers > 0) {
      const perProcess = 125;
      const processes = Math.ceil(options.subscribers / perProcess);
      log(`fan-out: ${options.subscribers} lightweight subscribers (NATS connections subscribed to halo.zone.changed, ${perProcess} to a process)…`);
      const subscribers: ChildHandle[] = [];
      for (let p = 0; p < processes; p++) {
        const count = Math.min(perProcess, options.subscribers - p * perProcess);
        subscribers.push(
          await system.spawn(
            'tools/bench/src/subscribers.ts',
            ['--nats', system.nats.url, '--count', String(count), '--name', `bench-subscriber-${p}`],
            /"ready":true/,
            120_000,
          ),
        );
      }
      // The target's figure first: one node cache asked (every millisecond, as under churn) while the
      // subscribers and every other cache hear each change; asking 50 caches every 3 ms would load the
      // two cores the subscribers run on, and time the asking.
      const moves: Move[] = [];
      report.fanout.push(
        await propagation(
          `1 node cache asked, ${options.subscribers} subscribers and ${caches.length - 1} more caches attached`,
          churn,
          [cache.address],
          options.fanoutChanges,
          fanoutRate,
          (m) => moves.push(m),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      report.fanout.push(subscriberDelays(subscribers, moves, options.subscribers));
      if (caches.length > 1)
        report.fanout.push(
          await propagation(
            `${caches.length} node caches asked, ${options.subscribers} subscribers attached`,
            churn,
            caches,
            options.fanoutChanges,
            fanoutRate,
          ),
        );
    }
    return report;
  } finally {
    await system.stop();
  }
}

/** Namespaces first, then everything else, `concurrency` creates in flight, through the API as the admin. */
async function createAll(kubeconfig: string, files: string[], concurrency = 32): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(loadKubeConfig({ kubeconfig }));
  const items: KubernetesObject[] = [];
  for (const file of files) items.push(...(JSON.parse(await readFile(file, 'utf8')) as { items: KubernetesObject[] }).items);
  for (const group of [items.filter((o) => o.kind === 'Namespace'), items.filter((o) => o.kind !== 'Namespace')]) {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < group.length) {
          const item = group[next++];
          if (item) await api.create(item);
        }
      }),
    );
  }
}

/**
 * The same memory step against a real kube-apiserver (tools/control-plane): its own nats-server and a
 * watcher (answerers do not talk to the API server), CoreDNS beside it; the API server is restarted
 * with etcd compacted meanwhile, so every watch resumes into 410 Gone and every informer relists.
 */
async function memoryAcrossApiServerRestart(
  files: string[],
  options: ScaleBenchOptions,
  coredns: string | undefined,
  log: Log,
  notes: string[],
): Promise<MemoryAcross[]> {
  const binaries = findControlPlaneBinaries();
  if (!binaries.ok) {
    notes.push(`memory against a real kube-apiserver not measured: ${binaries.message}`);
    return [];
  }
  log('memory: a real kube-apiserver (tools/control-plane), seeded through its API with the same cluster…');
  const plane = await startControlPlane();
  const system = new ScaleSystem();
  try {
    await createAll(plane.kubeconfig, files);
    system.nats = await startNatsServer({ jetstream: true });
    const watcher = await system.spawn('apps/watcher/src/main.ts', [
      '--nats',
      system.nats.url,
      '--kubeconfig',
      plane.kubeconfig,
      '--admin-host',
      host,
      '--admin-port',
      '0',
      '--identity',
      'watcher-api',
      '--lease-duration',
      String(options.leaseSeconds),
    ]);
    await watcher.waitForLine(/"msg":"zone complete"/, 600_000);
    const pids = new Map<string, number>([['watcher', watcher.pid]]);
    if (coredns) {
      const ports = { dns: await freePort({ udp: true }), health: await freePort(), ready: await freePort(), metrics: await freePort() };
      const file = join(plane.dir, 'coredns.Corefile');
      const text = corednsCorefile(kubeadmCorefile.replace(/health \{\s*lameduck \S+\s*\}/, 'health'), { kubeUrl: plane.url, host, ports }).replace(
        /^(\s*)endpoint \S+$/m,
        `$1kubeconfig ${plane.kubeconfig}`,
      );
      await writeFile(file, text);
      const handle = await system.spawn(coredns, ['-conf', file], null);
      await when(async () => (await fetch(`http://${host}:${ports.ready}/ready`).catch(() => null))?.ok === true, 600_000, 100);
      pids.set('coredns', handle.pid);
    }
    const before = await settledMemory(pids, 5_000, 60_000);
    await plane.restartApiServer({ signal: 'SIGTERM', whileDown: () => plane.compactEtcd() });
    const after = await settledMemory(pids, 20_000, 150_000);
    return [...pids.keys()].map((name) => ({
      name: `${name} (kube-apiserver)`,
      beforeBytes: before.get(name)?.last,
      peakBytes: after.get(name)?.peak,
      afterBytes: after.get(name)?.last,
    }));
  } finally {
    await system.stop();
    await plane.stop();
  }
}

async function propagation(
  label: string,
  churn: Churn,
  targets: ServerAddress[],
  count: number,
  rate: number,
  onMove?: (m: Move) => void,
): Promise<Propagation> {
  const samples: number[] = [];
  let missed = 0;
  const { results, seconds: took } = await atRate(count, rate, (i) =>
    probeMove(churn, i % churn.count, targets, { timeoutMs: 10_000, intervalMs: targets.length > 5 ? 3 : 1 }, onMove),
  );
  for (const perTarget of results)
    for (const s of perTarget)
      if (s === null) missed++;
      else samples.push(s);
  return { label, changes: count, targets: targets.length, samples: percentiles(samples), missed, rate: count > 1 ? (count - 1) / Math.max(took, 1e-3) : rate };
}

/** Write → message received, at every subscriber, from their printed lines. */
function subscriberDelays(subscribers: ChildHandle[], moves: Move[], expected: number): Propagation {
  const startedByKey = new Map(moves.map((m) => [churnKey(m.slot), m.startedEpochMs]));
  const samples: number[] = [];
  for (const handle of subscribers) {
    for (const line of handle.lines) {
      const [key, at] = line.split(' ');
      const started = key ? startedByKey.get(key) : undefined;
      if (started !== undefined && at !== undefined) samples.push((Number(at) - started) / 1000);
    }
  }
  const total = moves.length * expected;
  return {
    label: `${expected} lightweight subscribers (write → message)`,
    changes: moves.length,
    targets: expected,
    samples: percentiles(samples),
    missed: Math.max(0, total - samples.length),
    rate: 10,
  };
}

async function takeover(system: ScaleSystem, leader: ChildHandle, options: ScaleBenchOptions, log: Log): Promise<Takeover> {
  log(`takeover: a standby watcher, then the leader SIGKILLed under a change every 100 ms (lease ${options.leaseSeconds} s)`);
  const standby = await system.spawn('apps/watcher/src/main.ts', system.watcherArgs('watcher-1', options.leaseSeconds));
  const standbyAdmin = readyLinePort(standby.lines.find((l) => l.includes('"ready":true')) ?? '');
  const churn = new Churn(system.kubeUrl, churnSlots);
  const rate = 10;
  const before = 2;
  const count = Math.round((before + options.leaseSeconds + 5) * rate);
  let killedAt: number | undefined;
  const moves: { move: Move; answeredMs?: number }[] = [];
  const running = atRate(count, rate, async (i) => {
    if (i === before * rate) {
      killedAt = performance.now();
      await leader.kill('SIGKILL');
    }
    let mine: { move: Move; answeredMs?: number } | undefined;
    const [delay] = await probeMove(churn, i % churnSlots, [system.dns], { timeoutMs: (options.leaseSeconds + 15) * 1000, intervalMs: 5 }, (move) =>
      moves.push((mine = { move })),
    );
    if (mine && typeof delay === 'number') mine.answeredMs = mine.move.startedMs + delay * 1000;
    return delay ?? null;
  });
  const epochOf = (ms: number | undefined) => (ms === undefined ? undefined : performance.timeOrigin + ms);
  const leading = lineTime(standby, /"msg":"started leading"/, (options.leaseSeconds + 30) * 1000);
  const completed = lineTime(standby, /"msg":"zone complete"/, (options.leaseSeconds + 30) * 1000);
  const { results } = await running;
  const killedEpoch = epochOf(killedAt);
  const delays = results.filter((d): d is number => d !== null);
  const afterKill = moves.filter((m) => killedAt !== undefined && m.move.startedMs >= killedAt && m.answeredMs !== undefined);
  const firstFlow = afterKill.length > 0 ? Math.min(...afterKill.map((m) => m.answeredMs ?? Infinity)) : undefined;
  // Changes written shortly before the kill may not have reached the bucket: the new leader writes them.
  const keys = new Set(moves.filter((m) => killedAt !== undefined && m.move.startedMs >= killedAt - 200).map((m) => m.move.slot));
  return {
    leaseSeconds: options.leaseSeconds,
    leadingAfter: killedEpoch === undefined ? undefined : seconds(killedEpoch, await leading),
    completeAfter: killedEpoch === undefined ? undefined : seconds(killedEpoch, await completed),
    changesFlowAfter: killedAt === undefined || firstFlow === undefined ? undefined : (firstFlow - killedAt) / 1000,
    delays: percentiles(delays),
    changes: count,
    missed: results.length - delays.length,
    newLeaderPuts: standbyAdmin ? await metric(standbyAdmin, 'halo_watcher_zone_writes_total', 'op="put"') : undefined,
    newLeaderDeletes: standbyAdmin ? await metric(standbyAdmin, 'halo_watcher_zone_writes_total', 'op="delete"') : undefined,
    keysChangedAcross: keys.size,
  };
}

const s2 = (x: At) => (x === undefined ? '-' : `${x.toFixed(2)} s`);
const ms = (x: number | undefined) => (x === undefined ? '-' : `${(x * 1000).toFixed(1)} ms`);
const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? ' (met)' : ' (NOT met)');

export function printScaleReport(report: ScaleReport, log: Log): void {
  const { options, coldStart: c } = report;
  log('');
  log(
    `scale benchmark: ${options.services} Services, ${options.endpoints} endpoints (+${churnSlots} moving headless Services), ${options.answerers} answerer(s)`,
  );
  log('cold start (seconds from starting the watcher and the answerers together):');
  log(`  watcher informers synced   ${s2(c.informersSynced)}`);
  log(
    `  initial zone write         ${c.initialWriteMs ?? '-'} ms for ${c.initialWrites ?? '-'} record sets${c.initialWriteMs && c.initialWrites ? ` (${Math.round((c.initialWrites * 1000) / c.initialWriteMs)}/s, watcher CPU ${c.initialWriteCpuMs ?? '-'} ms)` : ''}${verdict(c.initialWriteMs === undefined ? undefined : c.initialWriteMs <= 2_000)} target ≤ 2 s`,
  );
  log(`  zone complete (marker)     ${s2(c.zoneComplete)}`);
  log(`  answerers ready            ${s2(c.firstAnswererReady)} first, ${s2(c.allAnswerersReady)} all`);
  log(`  last Service answers       ${s2(c.lastServiceAnswers)}`);
  if (report.coredns)
    log(
      `  CoreDNS 1.14.7: /ready ${s2(report.coredns.ready)}, last Service answers ${s2(report.coredns.lastServiceAnswers)} (from its own start, kube-sim already up)`,
    );
  if (report.memory.length > 0)
    log('memory across an API server restart (kube-sim: SIGHUP; kube-apiserver: restarted with etcd compacted; every informer relists):');
  for (const m of report.memory) {
    const ratio = m.beforeBytes && m.afterBytes ? m.afterBytes / m.beforeBytes : undefined;
    log(
      `  ${m.name.padEnd(28)} before ${formatBytes(m.beforeBytes)}, peak ${formatBytes(m.peakBytes)}, after ${formatBytes(m.afterBytes)}${ratio ? `, after/before ${ratio.toFixed(2)}${verdict(ratio <= 1.1)} target ≤ 1.1` : ''}`,
    );
  }
  const t = report.takeover;
  if (t) {
    log(`takeover (leader SIGKILLed, lease ${t.leaseSeconds} s, a change every 100 ms):`);
    log(`  standby leads after ${s2(t.leadingAfter)}, zone complete after ${s2(t.completeAfter)}`);
    log(
      `  changes flow again after ${s2(t.changesFlowAfter)}${verdict(t.changesFlowAfter === undefined ? undefined : t.changesFlowAfter <= t.leaseSeconds + 1)} target ≤ lease + 1 s`,
    );
    log(`  change delay p50 ${ms(t.delays?.p50)}, p99 ${ms(t.delays?.p99)}, max ${ms(t.delays?.max)} over ${t.changes} changes (${t.missed} never answered)`);
    log(
      `  the new leader wrote ${t.newLeaderPuts ?? '-'} record sets and ${t.newLeaderDeletes ?? '-'} deletes for ${t.keysChangedAcross} keys changed from the kill on${verdict(t.newLeaderPuts === undefined ? undefined : t.newLeaderPuts <= t.keysChangedAcross)} no unchanged entry rewritten`,
    );
  }
  const row = (p: Propagation, target?: number) =>
    `  ${p.label}: p50 ${ms(p.samples?.p50)}, p90 ${ms(p.samples?.p90)}, p99 ${ms(p.samples?.p99)}, max ${ms(p.samples?.max)} (${p.changes} changes × ${p.targets}, ${p.missed} missed, ${p.rate.toFixed(0)}/s)${target === undefined ? '' : `${verdict(p.samples === undefined ? undefined : p.samples.p99 < target / 1000)} target p99 < ${target} ms`}`;
  if (report.churn) {
    log('propagation, API write → new answer at the node cache (which held the old one):');
    log(row(report.churn, 50));
  }
  if (report.fanout.length > 0) {
    log('fan-out (node caches are processes; subscribers are NATS connections subscribed to halo.zone.changed, 125 to a process):');
    for (const p of report.fanout) log(row(p, p.label.startsWith('1 node cache asked') || p.label.includes('lightweight subscribers') ? 100 : undefined));
  }
  for (const note of report.notes) log(`note: ${note}`);
  log('(figures need a quiet machine: run it three times there and report each)');
}
