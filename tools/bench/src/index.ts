export {
  generateCluster,
  endpointCounts,
  manifestsOf,
  questionsOf,
  dnsperfInput,
  zoneFileOf,
  serviceName,
  endpointName,
  namespacesOf,
  random,
  type BenchCluster,
  type BenchService,
  type BenchEndpoint,
  type BenchPort,
  type ClusterOptions,
  type Question,
  type QueryMix,
} from './cluster.ts';
export {
  runDnsperf,
  dnsperfArgs,
  parseDnsperfSummary,
  parseVerboseLine,
  percentiles,
  DnsperfError,
  type DnsperfOptions,
  type DnsperfResult,
  type DnsperfSummary,
  type Percentiles,
} from './dnsperf.ts';
export { peakMemory, residentMemory, parseStatusKb } from './memory.ts';
export {
  binaries,
  findBinary,
  knotConfig,
  unboundConfig,
  dnsmasqArgs,
  startKnot,
  startUnbound,
  startDnsmasq,
  type RunningServer,
  type ServerAddress,
} from './reference-servers.ts';
export { findCoredns, corednsCorefile, referenceCoredns, startCoredns, type Coredns, type CorednsPorts } from './coredns.ts';
export { measureChangeLatency, movingAddress, type ChangeLatencyOptions, type ChangeLatencyResult } from './change-latency.ts';
export { benchAnswerer, printAnswererReport, memoryLines, workloadMismatches, type AnswererBenchOptions, type AnswererBenchReport } from './answerer-bench.ts';
export { benchCache, printCacheReport, nodeCacheAddress, type CacheBenchOptions, type CacheBenchReport } from './cache-bench.ts';
export { throughputTable, ratioLines, type Measured } from './report.ts';
export { BenchError, prepareCluster, waitForCluster, type Log, type PreparedCluster } from './workspace.ts';
export { Churn, churnManifests, churnName, churnKey, churnAddress, churnNamespace, probeMove, atRate, type Move, type ProbeOptions } from './churn.ts';
export { benchScale, printScaleReport, type ScaleBenchOptions, type ScaleReport } from './scale-bench.ts';
