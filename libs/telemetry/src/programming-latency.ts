// DNS programming latency: from a change at its source (the EndpointSlice's last-change-trigger-time, else
// the moment the watcher saw the event) to the moment this instance answers with it. The definition and
// how it compares with SIG Scalability's SLI: docs/observability.md.
import { Histogram, type Registry } from 'prom-client';

export const PROGRAMMING_LATENCY_METRIC = 'halo_dns_programming_latency_seconds';

/** Tens of milliseconds when all is well; minutes when a watcher was down or a controller lagged. */
export const PROGRAMMING_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** The recent changes' latency at one instance, as its status entry reports it. */
export interface ProgrammingLatencySummary {
  /** Changes observed since the instance started. */
  count: number;
  /** Over the last `window` changes (default 1000). */
  p50Seconds: number;
  p99Seconds: number;
}

export interface ProgrammingLatencyOptions {
  /** How many of the latest observations the quantiles are taken over (default 1000). */
  window?: number;
}

/** The histogram `halo_dns_programming_latency_seconds` and the quantiles of its latest observations. */
export class ProgrammingLatency {
  readonly #histogram: Histogram;
  readonly #recent: Float64Array;
  #count = 0;

  constructor(registry: Registry, options: ProgrammingLatencyOptions = {}) {
    this.#histogram = new Histogram({
      name: PROGRAMMING_LATENCY_METRIC,
      help: 'DNS programming latency: from a change at its source (EndpointSlice last-change-trigger-time, else when the watcher saw it) to when this instance answers with it.',
      buckets: PROGRAMMING_LATENCY_BUCKETS,
      registers: [registry],
    });
    this.#recent = new Float64Array(Math.max(1, options.window ?? 1000));
  }

  /**
   * Records one change whose source time is `sourceTimeMs` (epoch ms), answered from `nowMs` on.
   * Returns the latency in seconds; a source time ahead of this clock (skew) counts as 0.
   */
  observe(sourceTimeMs: number, nowMs: number = Date.now()): number {
    const seconds = Math.max(0, nowMs - sourceTimeMs) / 1000;
    this.#histogram.observe(seconds);
    this.#recent[this.#count % this.#recent.length] = seconds;
    this.#count++;
    return seconds;
  }

  /** Null before the first change. */
  summary(): ProgrammingLatencySummary | null {
    if (this.#count === 0) return null;
    const sorted = this.#recent.slice(0, Math.min(this.#count, this.#recent.length)).sort();
    return { count: this.#count, p50Seconds: quantile(sorted, 0.5), p99Seconds: quantile(sorted, 0.99) };
  }
}

/** The nearest-rank quantile of ascending values (q in 0..1); NaN for none. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}
