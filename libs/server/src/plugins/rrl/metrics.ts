// rrl's metric, as CoreDNS's external rrl plugin names it; without its client_ip label, whose values an
// attacker with spoofed sources could multiply without end.
import { Counter, register as globalRegistry, type Registry } from 'prom-client';

export interface RrlMetrics {
  exceeded: Counter;
}

export function rrlMetrics(registry: Registry = globalRegistry): RrlMetrics {
  const name = 'coredns_rrl_responses_exceeded_total';
  return {
    exceeded:
      (registry.getSingleMetric(name) as Counter | undefined) ??
      new Counter({ name, help: 'Counter of responses exceeding their allowance (dropped, slipped, or only reported).', registers: [registry] }),
  };
}
