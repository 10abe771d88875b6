import { describe, expect, it } from 'vitest';
import { objectsFromYaml } from '@halo/kube-sim';
import { endpointCounts, generateCluster, manifestsOf, questionsOf, random, zoneFileOf, dnsperfInput } from './cluster.ts';

describe('generateCluster', () => {
  it('makes exactly the Services and endpoints asked for, the same on every run', () => {
    const a = generateCluster({ services: 1_000, endpoints: 10_000 });
    const b = generateCluster({ services: 1_000, endpoints: 10_000 });
    expect(a).toEqual(b);
    expect(a.services).toHaveLength(1_000);
    expect(a.services.reduce((n, s) => n + s.endpoints.length, 0)).toBe(10_000);
    const headless = a.services.filter((s) => s.headless).length;
    expect(headless).toBeGreaterThan(100);
    expect(headless).toBeLessThan(300);
    expect(new Set(a.services.flatMap((s) => s.endpoints.map((e) => e.ip))).size).toBe(10_000);
    expect(new Set(a.services.flatMap((s) => s.clusterIPs)).size).toBe(a.services.reduce((n, s) => n + s.clusterIPs.length, 0));
  });

  it('spreads endpoint counts without changing their sum', () => {
    const counts = endpointCounts(101, 1_003, random(7));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1_003);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(0);
    expect(new Set(counts).size).toBeGreaterThan(3);
  });
});

describe('manifestsOf', () => {
  it('is YAML kube-sim reads: Namespaces, Services and EndpointSlices of at most 100 endpoints', () => {
    const cluster = generateCluster({ services: 20, endpoints: 500, namespaces: 4 });
    const parsed = objectsFromYaml(manifestsOf(cluster));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const kinds = (kind: string) => parsed.objects.filter((o) => (o as { kind: string }).kind === kind) as unknown[];
    expect(kinds('Namespace')).toHaveLength(4);
    expect(kinds('Service')).toHaveLength(20);
    const slices = kinds('EndpointSlice') as Array<{ endpoints: unknown[] }>;
    expect(slices.reduce((n, s) => n + s.endpoints.length, 0)).toBe(500);
    expect(Math.max(...slices.map((s) => s.endpoints.length))).toBeLessThanOrEqual(100);
    const headless = (kinds('Service') as Array<{ spec: { clusterIP: string } }>).filter((s) => s.spec.clusterIP === 'None');
    expect(headless.length).toBe(cluster.services.filter((s) => s.headless).length);
  });
});

describe('questionsOf and zoneFileOf', () => {
  const cluster = generateCluster({ services: 50, endpoints: 300, seed: 3 });

  it('asks an A for every Service and some SRV, AAAA and NXDOMAIN names', () => {
    const questions = questionsOf(cluster);
    expect(questions.filter((q) => q.type === 'A' && /^svc-\d+\.ns-\d+\.svc\.cluster\.local$/.test(q.name))).toHaveLength(50);
    expect(questions.some((q) => q.type === 'SRV' && q.name.startsWith('_http._tcp.'))).toBe(true);
    expect(questions.some((q) => q.type === 'AAAA')).toBe(true);
    expect(questions.some((q) => q.name.startsWith('no-such-'))).toBe(true);
    expect(dnsperfInput(questions.slice(0, 2))).toMatch(/^\S+ (A|AAAA|SRV)\n\S+ (A|AAAA|SRV)\n$/);
  });

  it('holds in the zone file every name asked for that exists, and none that does not', () => {
    const zone = zoneFileOf(cluster);
    const owners = new Set(
      zone
        .split('\n')
        .filter((l) => l.includes(' IN '))
        .map((l) => l.split(' ')[0]),
    );
    for (const q of questionsOf(cluster)) {
      const s = cluster.services.find((x) => q.name.includes(`${x.name}.${x.namespace}.`));
      const exists = !q.name.startsWith('no-such-') && !(s?.headless && !s.endpoints.some((e) => e.ready));
      if (q.type === 'AAAA') continue;
      expect(owners.has(`${q.name}.`), `${q.name} ${q.type}`).toBe(exists);
    }
    // Not-ready endpoints are not in the zone.
    const notReady = cluster.services.filter((s) => s.headless).flatMap((s) => s.endpoints.filter((e) => !e.ready));
    for (const e of notReady) expect(zone).not.toContain(` A ${e.ip}\n`);
  });
});
