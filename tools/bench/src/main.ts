#!/usr/bin/env node
// npm run bench -- answerer|cache|startup|scale [options]: load and latency benchmarks. Not tests: they print numbers.
import { configOrExit } from '@halo/cli';
import { benchAnswerer, printAnswererReport } from './answerer-bench.ts';
import { benchCache, printCacheReport } from './cache-bench.ts';
import { readConfig } from './config.ts';
import { benchStartup, printStartupReport } from './startup-bench.ts';
import { benchScale, printScaleReport } from './scale-bench.ts';
import { BenchError } from './workspace.ts';

const config = configOrExit(readConfig(process.argv.slice(2)));
const log = (line: string) => console.log(line);
const stopOnSignal = () => {
  // The stack and reference servers are children; spawnProcess kills what is left on exit.
  process.exit(130);
};
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);

try {
  if (config.benchmark === 'answerer') printAnswererReport(await benchAnswerer(config.options, log), config.options, log);
  else if (config.benchmark === 'cache') printCacheReport(await benchCache(config.options, log), config.options, log);
  else if (config.benchmark === 'startup') printStartupReport(await benchStartup(config.options, log), log);
  else printScaleReport(await benchScale(config.options, log), log);
  process.exit(0);
} catch (error) {
  const e = error as Error;
  console.error(e instanceof BenchError ? e.message : `the benchmark failed: ${e.message}`);
  process.exit(1);
}
