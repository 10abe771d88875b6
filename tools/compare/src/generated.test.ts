import { describe, expect, it } from 'vitest';
import { generatedCluster } from './generated.ts';
import { differenceKinds, shapeOf } from './summary.ts';

describe('generatedCluster', () => {
  const g = generatedCluster(200);
  const items = (JSON.parse(g.manifests) as { items: { kind: string; metadata: { name: string }; spec?: { type?: string; externalName?: string } }[] }).items;
  const asked = new Set(g.questions.map((q) => `${q.name} ${q.type}`));

  it('seeds the bench cluster and ExternalNames into and out of the zone', () => {
    expect(items.filter((i) => i.kind === 'Service' && i.spec?.type !== 'ExternalName')).toHaveLength(200);
    const ext = Object.fromEntries(items.filter((i) => i.spec?.type === 'ExternalName').map((i) => [i.metadata.name, i.spec?.externalName]));
    expect(Object.keys(ext).sort()).toEqual(['ext-outside', 'ext-to-endpoint', 'ext-to-ext', 'ext-to-headless', 'ext-to-nothing', 'ext-to-service']);
    expect(ext['ext-outside']).toBe('www.example.com');
    // Names the API accepts: RFC 1123 subdomains.
    for (const target of Object.values(ext)) expect(target).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
    expect(ext['ext-to-endpoint']).toMatch(/^svc-\d{5}-\d+\.svc-\d{5}\.ns-\d{3}\.svc\.cluster\.local$/);
  });

  it.each([
    ['ext-to-service.ns-000.svc.cluster.local A'],
    ['ext-to-service.ns-000.svc.cluster.local SRV'],
    ['svc-00000.ns-000.svc.cluster.local SRV'],
    ['_tcp.svc-00000.ns-000.svc.cluster.local SRV'],
    ['ns-000.svc.cluster.local A'],
  ])('asks %s', (q) => {
    expect(asked.has(q)).toBe(true);
  });

  it('asks PTR of addresses as reverse names', () => {
    const ptr = g.questions.filter((q) => q.type === 'PTR').map((q) => q.name);
    expect(ptr).toContain('0.0.97.10.in-addr.arpa');
    for (const name of ptr) expect(name).toMatch(/^(?:\d+\.){4}in-addr\.arpa$|^(?:[0-9a-f]\.){32}ip6\.arpa$/);
    expect(g.questions.map((q) => q.line)).toEqual(g.questions.map((_, i) => i + 1));
    // Each question once.
    expect(asked.size).toBe(g.questions.length);
  });
});

describe('differenceKinds', () => {
  it.each([
    ['svc-00042.ns-007.svc.cluster.local', 'svc-N.ns-N.svc.cluster.local'],
    ['10-128-3-9.svc-00001.ns-000.svc.cluster.local A 10.128.3.9', 'N.svc-N.ns-N.svc.cluster.local A N'],
    ['9.3.128.10.in-addr.arpa', 'N.in-addr.arpa'],
    [`${'0.'.repeat(31)}f.ip6.arpa`, 'N.ip6.arpa'],
  ])('shapes %s', (text, shape) => {
    expect(shapeOf(text)).toBe(shape);
  });

  it('groups questions by what differs, counted, with examples', () => {
    const outcome = (name: string) => ({
      question: { name, type: 'A', line: 1 },
      ours: { error: 'not asked' },
      differences: [{ what: 'rcode', ours: 'NOERROR', theirs: 'NXDOMAIN' }],
    });
    const kinds = differenceKinds([outcome('a-1.example'), outcome('a-2.example'), outcome('a-3.example'), outcome('a-4.example')], 2);
    expect(kinds).toEqual([{ kind: 'A rcode: ours NOERROR | coredns NXDOMAIN', count: 4, examples: ['a-1.example A', 'a-2.example A'] }]);
  });
});
