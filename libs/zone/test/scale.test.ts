// 10 000 Services with 100 000 endpoints must fit well under 300 MB. A memory bound, not a speed one.
import { describe, expect, it } from 'vitest';
import { defaultZoneOptions, ZoneIndex } from '../src/index.ts';
import type { ServiceRecordSet } from '../src/index.ts';

function bigService(i: number): ServiceRecordSet {
  const headless = i % 2 === 0;
  const endpoints = Array.from({ length: 10 }, (_, j) => {
    const n = i * 10 + j;
    return {
      addresses: [`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`],
      ready: true,
      ...(headless ? { hostname: `pod-${j}` } : {}),
      podName: `svc-${i}-${j}`,
      ports: [{ name: 'http', protocol: 'TCP' as const, port: 8080 }],
    };
  });
  return {
    kind: 'Service',
    namespace: `ns-${i % 100}`,
    name: `svc-${i}`,
    type: headless ? 'Headless' : 'ClusterIP',
    clusterIPs: headless ? [] : [`172.16.${(i >> 8) & 255}.${i & 255}`],
    ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    publishNotReadyAddresses: false,
    labels: { app: `svc-${i}` },
    endpoints,
  };
}

describe('a large cluster', () => {
  it('indexes 10 000 Services and 100 000 endpoints in well under 300 MB, and answers from them', () => {
    // Generating inside the measurement counts the record sets too: the answerer holds them.
    const before = process.memoryUsage().heapUsed;
    const idx = new ZoneIndex(defaultZoneOptions());
    for (let i = 0; i < 10_000; i++) {
      const rs = bigService(i);
      idx.put(`svc.${rs.namespace}.${rs.name}`, rs);
    }
    const grown = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
    console.log(`index of 10 000 Services / 100 000 endpoints: +${grown.toFixed(0)} MB heap`);
    expect(grown).toBeLessThan(300);
    expect(idx.size).toBe(10_000);
    expect(idx.answer({ name: 'pod-3.svc-42.ns-42.svc.cluster.local', type: 'A' })?.answers).toHaveLength(1);
    expect(idx.answer({ name: 'svc-43.ns-43.svc.cluster.local', type: 'A' })?.answers).toHaveLength(1);
    expect(idx.answer({ name: '_http._tcp.svc-42.ns-42.svc.cluster.local', type: 'SRV' })?.answers).toHaveLength(10);
    expect(idx.answer({ name: '3.1.0.10.in-addr.arpa', type: 'PTR' })?.answers).toHaveLength(1);
    // A lookup loop, to show it is cheap (printed, never asserted).
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 100_000; i++) idx.answer({ name: `svc-${(i * 7) % 10_000}.ns-${((i * 7) % 10_000) % 100}.svc.cluster.local`, type: 'A' });
    const ns = Number(process.hrtime.bigint() - t0) / 100_000;
    console.log(`answer(): ${(ns / 1000).toFixed(2)} µs per question`);
  });
});
