// Prometheus metrics under CoreDNS's names and labels (plugin/cache/metrics.go). Several caches (one
// per server block, or the node cache and a plugin) share one registry, so metrics are looked up
// before they are created.
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ResponseKind } from './records.ts';

export interface CacheMetricLabels {
  /** CoreDNS's `server` label, e.g. `dns://:53`. */
  server: string;
  /** The zones the cache is for, comma-separated, e.g. `cluster.local.`. */
  zones: string;
  view: string;
}

export interface CacheMetricsOptions extends Partial<CacheMetricLabels> {
  registry: Registry;
}

interface Inc {
  inc(value?: number): void;
}
interface SetValue {
  set(value: number): void;
}

/** The children of every metric for one cache's label values, resolved once. */
export interface CacheMetrics {
  entries: Record<ResponseKind, SetValue>;
  hits: Record<ResponseKind, Inc>;
  evictions: Record<ResponseKind, Inc>;
  requests: Inc;
  misses: Inc;
  prefetches: Inc;
  drops: Inc;
  servedStale: Inc;
}

type WithType = 'server' | 'type' | 'zones' | 'view';
type WithoutType = 'server' | 'zones' | 'view';

/**
 * Counts of one label set not yet added to their counter. prom-client hashes the labels on every
 * `inc` of a child, too dear per cache hit: a child here only bumps a number, and the counter takes
 * the sum when it is scraped (its `collect`), or when the child is garbage collected.
 */
interface PendingCount {
  labels: Record<string, string>;
  n: number;
}

const pendingOf = new WeakMap<Counter<string>, Set<PendingCount>>();
/** Counters made here, whose `collect` adds the pending counts. */
const ours = new WeakSet<Counter<string>>();

function flush(c: Counter<string>, p: PendingCount): void {
  if (p.n === 0) return;
  c.inc(p.labels, p.n);
  p.n = 0;
}

// A cache dropped by a reload loses no count: its children's pending counts are added when they go.
const finalizer = new FinalizationRegistry<{ counter: Counter<string>; pending: PendingCount }>(({ counter, pending }) => {
  flush(counter, pending);
  pendingOf.get(counter)?.delete(pending);
});

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  const created: Counter<L> = new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const p of pendingOf.get(created as Counter<string>) ?? []) flush(created as Counter<string>, p);
    },
  });
  ours.add(created as Counter<string>);
  return created;
}

/** A child of `c` for these labels whose `inc` costs an addition. */
function cheapChild<L extends string>(c: Counter<L>, labels: Record<L, string>): Inc {
  const counter = c as Counter<string>;
  // A counter made elsewhere (without our collect): plain children then.
  if (!ours.has(counter)) return c.labels(labels);
  let set = pendingOf.get(counter);
  if (!set) {
    set = new Set();
    pendingOf.set(counter, set);
  }
  const pending: PendingCount = { labels: { ...labels }, n: 0 };
  set.add(pending);
  // Makes the label set appear at 0 at once, as prom-client's children do.
  c.inc(labels, 0);
  const child: Inc = {
    inc(value = 1) {
      pending.n += value;
    },
  };
  finalizer.register(child, { counter, pending });
  return child;
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Gauge) return existing as Gauge<L>;
  return new Gauge<L>({ name, help, labelNames, registers: [registry] });
}

export function cacheMetrics(options: CacheMetricsOptions): CacheMetrics {
  const { registry } = options;
  const base = { server: options.server ?? '', zones: options.zones ?? '', view: options.view ?? '' };
  const typed: WithType[] = ['server', 'type', 'zones', 'view'];
  const untyped: WithoutType[] = ['server', 'zones', 'view'];

  const entries = gauge(registry, 'coredns_cache_entries', 'The number of elements in the cache.', typed);
  const hits = counter(registry, 'coredns_cache_hits_total', 'The count of cache hits.', typed);
  const evictions = counter(registry, 'coredns_cache_evictions_total', 'The count of cache evictions.', typed);
  const requests = counter(registry, 'coredns_cache_requests_total', 'The count of cache requests.', untyped);
  const misses = counter(
    registry,
    'coredns_cache_misses_total',
    'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.',
    untyped,
  );
  const prefetches = counter(registry, 'coredns_cache_prefetch_total', 'The number of times the cache has prefetched a cached item.', untyped);
  const drops = counter(registry, 'coredns_cache_drops_total', 'The number responses that are not cached, because the reply is malformed.', untyped);
  const servedStale = counter(registry, 'coredns_cache_served_stale_total', 'The number of requests served from stale cache entries.', untyped);

  const byKind = <T>(make: (type: ResponseKind) => T): Record<ResponseKind, T> => ({ success: make('success'), denial: make('denial') });
  return {
    entries: byKind((type) => entries.labels({ ...base, type })),
    hits: byKind((type) => cheapChild(hits, { ...base, type })),
    evictions: byKind((type) => cheapChild(evictions, { ...base, type })),
    requests: cheapChild(requests, base),
    misses: cheapChild(misses, base),
    prefetches: cheapChild(prefetches, base),
    drops: cheapChild(drops, base),
    servedStale: cheapChild(servedStale, base),
  };
}

const noop = { inc: (): undefined => undefined, set: (): undefined => undefined };

/** Metrics that count nothing, for caches built without a registry. */
export const noCacheMetrics: CacheMetrics = {
  entries: { success: noop, denial: noop },
  hits: { success: noop, denial: noop },
  evictions: { success: noop, denial: noop },
  requests: noop,
  misses: noop,
  prefetches: noop,
  drops: noop,
  servedStale: noop,
};
