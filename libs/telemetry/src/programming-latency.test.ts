import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { PROGRAMMING_LATENCY_METRIC, ProgrammingLatency, quantile } from './programming-latency.ts';

describe('quantile (nearest rank)', () => {
  it.each([
    { values: [], q: 0.5, expected: Number.NaN },
    { values: [3], q: 0.5, expected: 3 },
    { values: [3], q: 0.99, expected: 3 },
    { values: [1, 2, 3, 4], q: 0.5, expected: 2 },
    { values: [1, 2, 3, 4], q: 0.99, expected: 4 },
    { values: [1, 2, 3, 4], q: 0, expected: 1 },
    { values: Array.from({ length: 100 }, (_, i) => i + 1), q: 0.99, expected: 99 },
    { values: Array.from({ length: 100 }, (_, i) => i + 1), q: 0.5, expected: 50 },
  ])('q=$q of $values.length values → $expected', ({ values, q, expected }) => {
    expect(quantile(values, q)).toEqual(expected);
  });
});

async function bucketCounts(registry: Registry): Promise<Map<string, number>> {
  const histogram = registry.getSingleMetric(PROGRAMMING_LATENCY_METRIC);
  if (!histogram) throw new Error(`${PROGRAMMING_LATENCY_METRIC} is not registered`);
  const metric = await histogram.get();
  const values = metric.values as { metricName?: string; labels: Record<string, string | number>; value: number }[];
  return new Map(values.filter((v) => v.metricName?.endsWith('_bucket')).map((v) => [String(v.labels.le), v.value]));
}

describe('ProgrammingLatency', () => {
  it('observes now minus the source time into the histogram, in seconds', async () => {
    const registry = new Registry();
    const latency = new ProgrammingLatency(registry);
    expect(latency.summary()).toBeNull();
    const source = Date.parse('2026-12-04T10:00:00.000Z');
    expect(latency.observe(source, source + 42_500)).toBe(42.5);
    const buckets = await bucketCounts(registry);
    expect(buckets.get('30')).toBe(0);
    expect(buckets.get('60')).toBe(1);
    expect(buckets.get('+Inf')).toBe(1);
    expect(latency.summary()).toEqual({ count: 1, p50Seconds: 42.5, p99Seconds: 42.5 });
    expect(await registry.metrics()).toContain(`${PROGRAMMING_LATENCY_METRIC}_count 1`);
  });

  it('counts a source time ahead of its clock as 0', () => {
    const latency = new ProgrammingLatency(new Registry());
    expect(latency.observe(10_000, 9_000)).toBe(0);
  });

  it('takes the quantiles over the latest observations only', () => {
    const latency = new ProgrammingLatency(new Registry(), { window: 4 });
    for (const ms of [60_000, 60_000, 60_000, 60_000]) latency.observe(0, ms);
    for (const ms of [10, 20, 30, 40]) latency.observe(0, ms);
    expect(latency.summary()).toEqual({ count: 8, p50Seconds: 0.02, p99Seconds: 0.04 });
  });
});
