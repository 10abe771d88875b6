import { Registry, collectDefaultMetrics } from 'prom-client';

/** A Prometheus registry of its own (not prom-client's global one), with the process default metrics. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
