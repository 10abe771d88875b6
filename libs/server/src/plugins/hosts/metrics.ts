// CoreDNS's hosts metrics.
import { Gauge, register as globalRegistry, type Registry } from 'prom-client';

export interface HostsMetrics {
  entries: Gauge;
  reloadTimestamp: Gauge;
}

function gauge(registry: Registry, name: string, help: string): Gauge {
  return (registry.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help, registers: [registry] });
}

export function hostsMetrics(registry: Registry = globalRegistry): HostsMetrics {
  return {
    entries: gauge(registry, 'coredns_hosts_entries', 'The combined number of entries in hosts and Corefile.'),
    reloadTimestamp: gauge(registry, 'coredns_hosts_reload_timestamp_seconds', 'The timestamp of the last reload of hosts file.'),
  };
}
