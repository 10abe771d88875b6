// CoreDNS's forward metrics, same names and labels, registered once per registry.
import { Counter, Histogram, register as globalRegistry, type Registry } from 'prom-client';

export interface ForwardMetrics {
  requests: Counter<'to'>;
  responses: Counter<'to' | 'rcode'>;
  duration: Histogram<'to' | 'rcode'>;
  healthcheckFailures: Counter<'to'>;
  maxConcurrentRejects: Counter;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

export function forwardMetrics(registry: Registry = globalRegistry): ForwardMetrics {
  const durationName = 'coredns_forward_request_duration_seconds';
  return {
    requests: counter(registry, 'coredns_forward_requests_total', 'Counter of requests made per upstream.', ['to']),
    responses: counter(registry, 'coredns_forward_responses_total', 'Counter of responses received per upstream.', ['to', 'rcode']),
    duration:
      (registry.getSingleMetric(durationName) as Histogram<'to' | 'rcode'> | undefined) ??
      new Histogram({
        name: durationName,
        help: 'Histogram of the time each request took.',
        labelNames: ['to', 'rcode'],
        buckets: [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192],
        registers: [registry],
      }),
    healthcheckFailures: counter(registry, 'coredns_forward_healthcheck_failures_total', 'Counter of the number of failed healthchecks.', ['to']),
    maxConcurrentRejects: counter(registry, 'coredns_forward_max_concurrent_rejects_total', 'Counter of the number of queries rejected because the concurrent queries were at maximum.', []),
  };
}
