// What `npm run bench -- <answerer|cache|startup|scale> [options]` asks for: the benchmark and its options, or why not.
import { parseWholeNumber, readFlags, type ConfigResult, type Parsed } from '@halo/cli';
import type { AnswererBenchOptions } from './answerer-bench.ts';
import type { CacheBenchOptions } from './cache-bench.ts';
import type { StartupBenchOptions } from './startup-bench.ts';
import type { ScaleBenchOptions } from './scale-bench.ts';

export type BenchConfig =
  | { benchmark: 'answerer'; options: AnswererBenchOptions }
  | { benchmark: 'cache'; options: CacheBenchOptions }
  | { benchmark: 'startup'; options: StartupBenchOptions }
  | { benchmark: 'scale'; options: ScaleBenchOptions };

/** The steps of the scale benchmark, in the order they run. */
export const scaleSteps = ['cold', 'memory', 'takeover', 'churn', 'fanout'] as const;
export type ScaleStep = (typeof scaleSteps)[number];

export const usage = `Usage: npm run bench -- <answerer|cache|startup|scale> [options]
  answerer   dnsperf against the answerer pool serving a generated cluster, against knot serving
             the same names (where knotd is installed) and CoreDNS reading the same kube-sim (where
             found); throughput, ratio, latency, peak memory of each, and the watcher's memory
  cache      dnsperf on a hot set against our node cache, unbound and dnsmasq (where installed) in
             front of the answerer pool; then the time from a Kubernetes API write to the new answer
  startup    each app's resident memory once started, from the .ts sources and from the image's bundle
  scale      a generated cluster from a cold start: time to a complete zone, memory across an API
             server restart, a watcher takeover, propagation under churn, fan-out to many node
             caches and subscribers; CoreDNS beside it where it has a counterpart

  --duration S      seconds of each measured dnsperf run (default 20)
  --warmup S        seconds of load before each measured run (default 3)
  --answerers N     answerer processes in the stack (default 2; 1 to compare one worker each)
  --services N      Services in the generated cluster (default 10000 for answerer, 1000 for cache)
  --endpoints N     endpoints in total (default 100000 for answerer, 10000 for cache)
  --outstanding N   dnsperf's outstanding queries (-q, default 100)
  --hot N           cache: questions in the hot set (default 2000)
  --changes N       cache: Kubernetes API writes timed to the new answer (default 200; 0 skips)
  --stale-changes N cache: the same changes timed at unbound and dnsmasq, for contrast (default 3;
                    each may take up to their 30 s TTL cap)
  --no-knot         answerer: do not run knot even where it is installed
  --coredns PATH    answerer, scale: the coredns binary (default: coredns on PATH, else
                    ~/.cache/halo-dns/reference/coredns-v1.14.7/coredns, else ~/go/bin/coredns)
  --no-coredns      answerer, scale: do not run CoreDNS even where it is found
  --from FORM       answerer, cache: run the measured apps (watcher and answerers; the node cache) from
                    the image's bundles ("bundle", the default: as deployed) or the .ts sources ("ts")
  --settle S        startup: seconds each app idles before its memory is read (default 3)
  --lease S         scale: the watchers' lease duration (default 15, the watcher's own)
  --churn-rate N    scale: changes a second under churn (default 100)
  --churn-seconds S scale: seconds of churn (default 60)
  --caches N        scale: node caches (processes) for the fan-out (default 50)
  --subscribers N   scale: lightweight subscribers of halo.zone.changed (default 500; 0 skips)
  --fanout-changes N scale: changes timed in each fan-out step (default 200, at most 200)
  --no-apiserver    scale: skip the memory step against a real kube-apiserver (tools/control-plane)
  --steps LIST      scale: the steps to run, comma-separated, of cold,memory,takeover,churn,fanout
                    (default all; the cold start of ours always runs: the other steps use its processes)`;

export function readConfig(argv: string[]): ConfigResult<BenchConfig> {
  const flags = readFlags(
    argv,
    {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      answerers: { type: 'string' },
      services: { type: 'string' },
      endpoints: { type: 'string' },
      outstanding: { type: 'string' },
      hot: { type: 'string' },
      changes: { type: 'string' },
      'stale-changes': { type: 'string' },
      'no-knot': { type: 'boolean' },
      coredns: { type: 'string' },
      'no-coredns': { type: 'boolean' },
      from: { type: 'string' },
      settle: { type: 'string' },
      lease: { type: 'string' },
      'churn-rate': { type: 'string' },
      'churn-seconds': { type: 'string' },
      caches: { type: 'string' },
      subscribers: { type: 'string' },
      'fanout-changes': { type: 'string' },
      'no-apiserver': { type: 'boolean' },
      steps: { type: 'string' },
    },
    usage,
    { positionals: true },
  );
  if (!flags.ok) return flags;
  const { values, positionals } = flags;
  const [benchmark, ...more] = positionals;
  if (benchmark !== 'answerer' && benchmark !== 'cache' && benchmark !== 'startup' && benchmark !== 'scale') {
    return { ok: false, message: `${benchmark === undefined ? 'which benchmark?' : `no benchmark named "${benchmark}"`}\n${usage}` };
  }
  if (more.length > 0) return { ok: false, message: `one benchmark at a time, not also "${more.join(' ')}"\n${usage}` };
  if (benchmark === 'startup') {
    const settle = parseWholeNumber(values.settle ?? '3', '--settle');
    return settle.ok ? { ok: true, config: { benchmark, options: { settleSeconds: settle.value } } } : settle;
  }

  const from = values.from ?? 'bundle';
  if (from !== 'bundle' && from !== 'ts') return { ok: false, message: `--from: "bundle" or "ts", got "${from}"` };
  const cluster = benchmark === 'cache' ? { services: 1_000, endpoints: 10_000 } : { services: 10_000, endpoints: 100_000 };
  const counts = readCounts(values, {
    durationSeconds: ['duration', 20, 1],
    warmupSeconds: ['warmup', 3, 0],
    answerers: ['answerers', 2, 1],
    services: ['services', cluster.services, 1],
    endpoints: ['endpoints', cluster.endpoints, 0],
    outstanding: ['outstanding', 100, 1],
    hot: ['hot', 2_000, 1],
    changes: ['changes', 200, 0],
    staleChanges: ['stale-changes', 3, 0],
    leaseSeconds: ['lease', 15, 1],
    churnRate: ['churn-rate', 100, 1],
    churnSeconds: ['churn-seconds', 60, 1],
    caches: ['caches', 50, 1],
    subscribers: ['subscribers', 500, 0],
    fanoutChanges: ['fanout-changes', 200, 1],
  });
  if (!counts.ok) return counts;
  const { hot, changes, staleChanges, leaseSeconds, churnRate, churnSeconds, caches, subscribers, fanoutChanges, ...common } = counts.value;
  if (fanoutChanges > 200) return { ok: false, message: '--fanout-changes: at most 200 (one moving Service each)' };
  if (benchmark === 'scale') {
    const { services, endpoints, answerers } = common;
    const steps = readSteps(values.steps);
    if (!steps.ok) return steps;
    return {
      ok: true,
      config: {
        benchmark,
        options: {
          services,
          endpoints,
          answerers,
          leaseSeconds,
          churnRate,
          churnSeconds,
          caches,
          subscribers,
          fanoutChanges,
          coredns: values.coredns,
          noCoredns: values['no-coredns'] === true,
          noApiserver: values['no-apiserver'] === true,
          steps: steps.value,
        },
      },
    };
  }
  return {
    ok: true,
    config:
      benchmark === 'answerer'
        ? { benchmark, options: { ...common, noKnot: values['no-knot'] === true, noCoredns: values['no-coredns'] === true, coredns: values.coredns, from } }
        : { benchmark, options: { ...common, hot, changes, staleChanges, from } },
  };
}

/** The scale steps named in `--steps` (all when not given), in the order they run, or the first unknown one. */
function readSteps(text: string | undefined): Parsed<ScaleStep[]> {
  if (text === undefined) return { ok: true, value: [...scaleSteps] };
  const named = text.split(',').map((s) => s.trim());
  const unknown = named.find((s) => !(scaleSteps as readonly string[]).includes(s));
  if (unknown !== undefined) return { ok: false, message: `--steps: a comma-separated list of ${scaleSteps.join(', ')}; got "${unknown}"` };
  return { ok: true, value: scaleSteps.filter((s) => named.includes(s)) };
}

/** Whole numbers read from their flags (`[flag, default, least]` for each), or the first one that is not. */
function readCounts<V extends object, K extends string>(
  values: V,
  table: Record<K, [flag: keyof V & string, fallback: number, min: number]>,
): Parsed<Record<K, number>> {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(table) as K[]) {
    const [flag, fallback, min] = table[key];
    const text = values[flag];
    if (typeof text !== 'string') {
      out[key] = fallback;
      continue;
    }
    const n = parseWholeNumber(text, `--${flag}`, { min });
    if (!n.ok) return n;
    out[key] = n.value;
  }
  return { ok: true, value: out };
}
