export type {
  AttachedHit,
  CacheableResponse,
  CachedAnswer,
  CacheQuestion,
  CacheStats,
  EntryState,
  PrefetchOptions,
  ResponseCacheOptions,
  ServeStaleOptions,
  SetResult,
  TtlLimits,
} from './cache.ts';
export { DEFAULT_DENIAL, DEFAULT_STALE_TTL, DEFAULT_SUCCESS, questionKey, ResponseCache } from './cache.ts';
export type { CacheMetricLabels, CacheMetricsOptions } from './metrics.ts';
export type { ResponseKind } from './records.ts';
export { cappedTtl, classifyResponse, isUnderZone, normalizeName, rawResponseTtl, rrsetRuns, shuffleRun } from './records.ts';
export { DEFAULT_FLOOR_NAMES, RevisionFloor, type RevisionFloorOptions } from './revision-floor.ts';
