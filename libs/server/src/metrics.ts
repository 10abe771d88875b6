// The server's metrics, under CoreDNS's names and labels (plugin/metrics/vars.go).
import { readFileSync } from 'node:fs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ServerMetrics {
  requests: Counter<'server' | 'zone' | 'view' | 'proto' | 'family' | 'type'>;
  responses: Counter<'server' | 'zone' | 'view' | 'rcode' | 'plugin'>;
  duration: Histogram<'server' | 'zone' | 'view' | 'type'>;
  requestSize: Histogram<'server' | 'zone' | 'view' | 'proto'>;
  responseSize: Histogram<'server' | 'zone' | 'view' | 'proto'>;
  /** Ours, not CoreDNS's: answers copied out of the fast path (cache hits counted in metrics, not spans). */
  fastPathAnswers: Counter;
  /** Queries whose plugin chain threw (CoreDNS counts the panics its server recovers from). */
  panics: Counter;
  /** 1 per plugin of each server block with *prometheus* (set by that plugin). */
  pluginEnabled: Gauge<'server' | 'zone' | 'view' | 'name'>;
  buildInfo: Gauge<'version' | 'revision' | 'goversion'>;
}

/** This library's version, for coredns_build_info (CoreDNS puts its own version there). */
function serverVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '';
  } catch {
    return '';
  }
}

// CoreDNS: plugin.TimeBuckets = prometheus.ExponentialBuckets(0.00025, 2, 16).
const timeBuckets = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);
const sizeBuckets = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];

const byRegistry = new WeakMap<Registry, ServerMetrics>();

/** One set per registry: a reload must not register the same names twice. */
export function serverMetrics(registry: Registry): ServerMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;
  const registers = [registry];
  const m: ServerMetrics = {
    requests: new Counter({
      name: 'coredns_dns_requests_total',
      help: 'Counter of DNS requests made per zone, protocol and family.',
      labelNames: ['server', 'zone', 'view', 'proto', 'family', 'type'],
      registers,
    }),
    responses: new Counter({
      name: 'coredns_dns_responses_total',
      help: 'Counter of response status codes.',
      labelNames: ['server', 'zone', 'view', 'rcode', 'plugin'],
      registers,
    }),
    duration: new Histogram({
      name: 'coredns_dns_request_duration_seconds',
      help: 'Histogram of the time (in seconds) each request took per zone.',
      labelNames: ['server', 'zone', 'view', 'type'],
      buckets: timeBuckets,
      registers,
    }),
    requestSize: new Histogram({
      name: 'coredns_dns_request_size_bytes',
      help: 'Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.',
      labelNames: ['server', 'zone', 'view', 'proto'],
      buckets: sizeBuckets,
      registers,
    }),
    responseSize: new Histogram({
      name: 'coredns_dns_response_size_bytes',
      help: 'Size of the returned response in bytes.',
      labelNames: ['server', 'zone', 'view', 'proto'],
      buckets: sizeBuckets,
      registers,
    }),
    fastPathAnswers: new Counter({
      name: 'halo_dns_fast_path_answers_total',
      help: 'Answers copied out of pre-encoded responses without running the plugin chain.',
      registers,
    }),
    panics: new Counter({ name: 'coredns_panics_total', help: 'A metrics that counts the number of panics.', registers }),
    pluginEnabled: new Gauge({
      name: 'coredns_plugin_enabled',
      help: 'A metric that indicates whether a plugin is enabled on per server and zone basis.',
      labelNames: ['server', 'zone', 'view', 'name'],
      aggregator: 'max',
      registers,
    }),
    buildInfo: new Gauge({
      name: 'coredns_build_info',
      help: "A metric with a constant '1' value labeled by version, revision, and goversion from which CoreDNS was built.",
      labelNames: ['version', 'revision', 'goversion'],
      aggregator: 'max',
      registers,
    }),
  };
  for (const metric of [m.requests, m.responses, m.duration, m.requestSize, m.responseSize]) takeBufferedChildren(metric);
  // Summed over an answerer's workers, these two would count workers: `max` keeps them at 1.
  // CoreDNS's labels: here the version of this server library and, where CoreDNS names its Go, the Node.js version.
  m.buildInfo.set({ version: serverVersion(), revision: '', goversion: process.version }, 1);
  byRegistry.set(registry, m);
  return m;
}

// CoreDNS counts these types by name and everything else as "other" (plugin/pkg/dnstest monitor list).
const monitoredTypes = new Set([
  'A',
  'AAAA',
  'NS',
  'PTR',
  'SOA',
  'CNAME',
  'MX',
  'TXT',
  'SRV',
  'ANY',
  'NAPTR',
  'DS',
  'DNSKEY',
  'RRSIG',
  'NSEC',
  'NSEC3',
  'HINFO',
  'CAA',
  'OPT',
  'IXFR',
  'AXFR',
  'HTTPS',
  'SVCB',
]);

export function typeLabel(qtype: string): string {
  return monitoredTypes.has(qtype) ? qtype : 'other';
}

interface ValueEntry {
  labels: Record<string, string | number>;
  value?: number;
  bucketValues?: Record<string, number>;
  sum?: number;
  count?: number;
}

interface MetricInternals {
  hashMap: Record<string, ValueEntry>;
  upperBounds?: number[];
}

/**
 * True when a metric's internals look as bufferedChild reads them (prom-client 15: `hashMap` of entries
 * holding `labels` and `value`, or `sum`, `count` and `bucketValues` per bound of `upperBounds`).
 * Otherwise the children fall back to prom-client's own path, slower but right; metrics.test.ts fails
 * then, so that a prom-client upgrade that changes them is noticed.
 */
export function internalsKnown(metric: Counter<string> | Histogram<string>): boolean {
  const internals = metric as unknown as Partial<MetricInternals>;
  if (typeof internals.hashMap !== 'object' || internals.hashMap === null) return false;
  const bounds = internals.upperBounds;
  if (bounds !== undefined && !(Array.isArray(bounds) && bounds.every((b) => typeof b === 'number'))) return false;
  const entries = Object.values(internals.hashMap);
  return entries.every((e) => {
    if (typeof e.labels !== 'object' || e.labels === null) return false;
    if (bounds === undefined) return typeof e.value === 'number';
    const buckets = e.bucketValues;
    return typeof e.sum === 'number' && typeof e.count === 'number' && typeof buckets === 'object' && bounds.every((b) => typeof buckets[b] === 'number');
  });
}

function sameLabels(a: Record<string, string | number>, b: Record<string, string | number>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => String(a[k]) === String(b[k]));
}

/** A child's counts not yet handed to prom-client. */
interface Buffered {
  flush(): void;
  discard(): void;
}

/** The buffered children of each metric that serverMetrics set up to take them (takeBufferedChildren). */
const bufferedOf = new WeakMap<object, Set<Buffered>>();

/**
 * prom-client hashes a child's labels on every inc/observe (three histograms and two counters per query
 * add up). The children of this metric count in plain numbers instead and hand them over whenever the
 * metric is read (its `collect`, which every registry read calls first); a reset drops what they hold.
 */
function takeBufferedChildren(metric: Counter<string> | Histogram<string>): void {
  const children = new Set<Buffered>();
  bufferedOf.set(metric, children);
  const hooks = metric as unknown as { collect?: () => unknown; reset: () => void };
  const collect = hooks.collect;
  hooks.collect = () => {
    for (const child of children) child.flush();
    return collect?.call(metric);
  };
  const reset = hooks.reset.bind(metric);
  hooks.reset = () => {
    for (const child of children) child.discard();
    reset();
  };
}

/** The value entry of these labels, made (at zero) if the metric has none yet; undefined if it cannot be. */
function entryOf(metric: Counter<string> | Histogram<string>, labels: Record<string, string>): ValueEntry | undefined {
  const internals = metric as unknown as MetricInternals;
  const find = () => Object.values(internals.hashMap).find((e) => sameLabels(e.labels, labels));
  const found = find();
  if (found !== undefined) return found;
  if (metric instanceof Histogram) metric.zero(labels);
  else metric.inc(labels, 0);
  return find();
}

/**
 * A child that counts in plain numbers until its metric is read (see takeBufferedChildren); where the
 * metric's internals are not as expected, or nothing set it up, prom-client's own child (`plain`).
 */
function bufferedChild(metric: Counter<string> | Histogram<string>, labels: Record<string, string>, plain: (v: number) => void): (v: number) => void {
  const children = bufferedOf.get(metric);
  if (children === undefined || !internalsKnown(metric)) return plain;
  // A counter has no bounds. The buckets are an object keyed by bound: a fractional bound (the
  // duration's 0.00025 …) as a number key would be turned into a string on every access.
  const bounds = (metric as unknown as MetricInternals).upperBounds ?? [];
  const bucketKeys = bounds.map((b) => (Number.isInteger(b) ? b : String(b)));
  const counts = new Float64Array(bounds.length);
  let sum = 0;
  let count = 0;
  const discard = () => {
    sum = 0;
    count = 0;
    counts.fill(0);
  };
  const flush = () => {
    if (count === 0) return;
    const entry = entryOf(metric, labels);
    const buckets = entry?.bucketValues;
    if (entry === undefined) {
      // Internals unlike internalsKnown's check (it passed when the child was made): nothing to add to.
    } else if (buckets === undefined) {
      entry.value = (entry.value ?? 0) + sum;
    } else {
      entry.sum = (entry.sum ?? 0) + sum;
      entry.count = (entry.count ?? 0) + count;
      counts.forEach((n, i) => {
        const at = bucketKeys[i] as string | number;
        if (n > 0) buckets[at] = (buckets[at] ?? 0) + n;
      });
    }
    discard();
  };
  children.add({ flush, discard });
  return (v: number) => {
    sum += v;
    count++;
    for (let i = 0; i < bounds.length; i++) {
      if (v <= (bounds[i] as number)) {
        counts[i]++;
        return;
      }
    }
  };
}

/** A counter child whose inc() does not hash its labels each time (see bufferedChild). */
export function counterChild(counter: Counter<string>, labels: Record<string, string>): { inc(): void } {
  const child = counter.labels(labels);
  const inc = bufferedChild(counter, labels, (v) => child.inc(v));
  return { inc: () => inc(1) };
}

/** A histogram child whose observe() does not hash its labels each time (see bufferedChild). */
export function histogramChild(histogram: Histogram<string>, labels: Record<string, string>): { observe(v: number): void } {
  const child = histogram.labels(labels);
  const observe = bufferedChild(histogram, labels, (v) => child.observe(v));
  return { observe: (v: number) => observe(v) };
}
