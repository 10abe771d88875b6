// CoreDNS 1.14's forward metrics, same names and labels, registered once per registry: the two of the
// forward plugin itself, and those of its proxy (CoreDNS's plugin/pkg/proxy) with proxy_name="forward".
import { Counter, Histogram, register as globalRegistry, type Registry } from 'prom-client';

export interface ForwardMetrics {
  requestDuration: Histogram<'proxy_name' | 'to' | 'rcode'>;
  healthcheckFailures: Counter<'proxy_name' | 'to'>;
  connCacheHits: Counter<'proxy_name' | 'to' | 'proto'>;
  connCacheMisses: Counter<'proxy_name' | 'to' | 'proto'>;
  healthcheckBroken: Counter;
  maxConcurrentRejects: Counter;
}

/** The `proxy_name` label of the proxy metrics this plugin counts. */
export const proxyName = 'forward';

// CoreDNS: plugin.TimeBuckets = prometheus.ExponentialBuckets(0.00025, 2, 16).
const timeBuckets = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

export function forwardMetrics(registry: Registry = globalRegistry): ForwardMetrics {
  const durationName = 'coredns_proxy_request_duration_seconds';
  return {
    requestDuration:
      (registry.getSingleMetric(durationName) as Histogram<'proxy_name' | 'to' | 'rcode'> | undefined) ??
      new Histogram({
        name: durationName,
        help: 'Histogram of the time each request took.',
        labelNames: ['proxy_name', 'to', 'rcode'],
        buckets: timeBuckets,
        registers: [registry],
      }),
    healthcheckFailures: counter(registry, 'coredns_proxy_healthcheck_failures_total', 'Counter of the number of failed healthchecks.', ['proxy_name', 'to']),
    connCacheHits: counter(registry, 'coredns_proxy_conn_cache_hits_total', 'Counter of connection cache hits per upstream and protocol.', [
      'proxy_name',
      'to',
      'proto',
    ]),
    connCacheMisses: counter(registry, 'coredns_proxy_conn_cache_misses_total', 'Counter of connection cache misses per upstream and protocol.', [
      'proxy_name',
      'to',
      'proto',
    ]),
    healthcheckBroken: counter(registry, 'coredns_forward_healthcheck_broken_total', 'Counter of the number of complete failures of the healthchecks.', []),
    maxConcurrentRejects: counter(
      registry,
      'coredns_forward_max_concurrent_rejects_total',
      'Counter of the number of queries rejected because the concurrent queries were at maximum.',
      [],
    ),
  };
}
