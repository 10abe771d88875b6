// CoreDNS's acl metrics (the `view` label is always empty: views are not supported).
import { Counter, register as globalRegistry, type Registry } from 'prom-client';

type Labels = 'server' | 'zone' | 'view';
export interface AclMetrics {
  allowed: Counter<Labels>;
  blocked: Counter<Labels>;
  filtered: Counter<Labels>;
  dropped: Counter<Labels>;
}

function counter(registry: Registry, name: string, help: string): Counter<Labels> {
  return (
    (registry.getSingleMetric(name) as Counter<Labels> | undefined) ??
    new Counter({ name, help, labelNames: ['server', 'zone', 'view'], registers: [registry] })
  );
}

export function aclMetrics(registry: Registry = globalRegistry): AclMetrics {
  return {
    allowed: counter(registry, 'coredns_acl_allowed_requests_total', 'Counter of DNS requests being allowed.'),
    blocked: counter(registry, 'coredns_acl_blocked_requests_total', 'Counter of DNS requests being blocked.'),
    filtered: counter(registry, 'coredns_acl_filtered_requests_total', 'Counter of DNS requests being filtered.'),
    dropped: counter(registry, 'coredns_acl_dropped_requests_total', 'Counter of DNS requests being dropped.'),
  };
}
