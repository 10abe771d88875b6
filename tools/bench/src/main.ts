#!/usr/bin/env node
// npm run bench -- answerer|cache [options]: load and latency benchmarks. Not tests: they print numbers.
import { parseArgs } from 'node:util';
import { benchAnswerer, printAnswererReport } from './answerer-bench.ts';
import { benchCache, printCacheReport } from './cache-bench.ts';
import { BenchError } from './workspace.ts';

const usage = `Usage: npm run bench -- <answerer|cache> [options]
  answerer   dnsperf against the answerer pool serving a generated cluster, and against knot serving
             the same names (where knotd is installed); throughput, ratio, latency, peak memory
  cache      dnsperf on a hot set against our node cache, unbound and dnsmasq (where installed) in
             front of the answerer pool; then the time from a Kubernetes API write to the new answer

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
  --no-knot         answerer: do not run knot even where it is installed`;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    strict: true,
    options: {
      duration: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      answerers: { type: 'string' },
      services: { type: 'string' },
      endpoints: { type: 'string' },
      outstanding: { type: 'string', default: '100' },
      hot: { type: 'string', default: '2000' },
      changes: { type: 'string', default: '200' },
      'stale-changes': { type: 'string', default: '3' },
      'no-knot': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(usage);
  process.exit(0);
}

function count(flag: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) fail(`--${flag}: expected a whole number ≥ ${min}, got "${text}"`);
  return n;
}

const log = (line: string) => console.log(line);
const which = positionals[0];
const stopOnSignal = () => {
  // The stack and reference servers are children; spawnProcess kills what is left on exit.
  process.exit(130);
};
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);

try {
  if (which === 'answerer') {
    const options = {
      durationSeconds: count('duration', values.duration, 20, 1),
      warmupSeconds: count('warmup', values.warmup, 3),
      answerers: count('answerers', values.answerers, 2, 1),
      services: count('services', values.services, 10_000, 1),
      endpoints: count('endpoints', values.endpoints, 100_000),
      outstanding: count('outstanding', values.outstanding, 100, 1),
      noKnot: values['no-knot'],
    };
    printAnswererReport(await benchAnswerer(options, log), options, log);
  } else if (which === 'cache') {
    const options = {
      durationSeconds: count('duration', values.duration, 20, 1),
      warmupSeconds: count('warmup', values.warmup, 3),
      answerers: count('answerers', values.answerers, 2, 1),
      services: count('services', values.services, 1_000, 1),
      endpoints: count('endpoints', values.endpoints, 10_000),
      outstanding: count('outstanding', values.outstanding, 100, 1),
      hot: count('hot', values.hot, 2_000, 1),
      changes: count('changes', values.changes, 200),
      staleChanges: count('stale-changes', values['stale-changes'], 3),
    };
    printCacheReport(await benchCache(options, log), options, log);
  } else {
    fail(`${which === undefined ? 'which benchmark?' : `no benchmark named "${which}"`}\n${usage}`);
  }
  process.exit(0);
} catch (error) {
  const e = error as Error & { code?: string };
  fail(e instanceof BenchError ? e.message : `the benchmark failed: ${e.message}`, 1);
}
