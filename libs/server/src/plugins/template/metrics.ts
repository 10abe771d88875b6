// CoreDNS's template metrics (the `view` label is always empty: views are not supported).
import { Counter, register as globalRegistry, type Registry } from 'prom-client';

type Labels = 'server' | 'zone' | 'view' | 'class' | 'type';
export interface TemplateMetrics {
  matches: Counter<Labels>;
  templateFailures: Counter<Labels | 'section' | 'template'>;
  rrFailures: Counter<Labels | 'section' | 'template'>;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

export function templateMetrics(registry: Registry = globalRegistry): TemplateMetrics {
  const labels: Labels[] = ['server', 'zone', 'view', 'class', 'type'];
  return {
    matches: counter(registry, 'coredns_template_matches_total', 'Counter of template regex matches.', labels),
    templateFailures: counter(registry, 'coredns_template_template_failures_total', 'Counter of go template failures.', [...labels, 'section', 'template']),
    rrFailures: counter(registry, 'coredns_template_rr_failures_total', 'Counter of mis-templated RRs.', [...labels, 'section', 'template']),
  };
}
