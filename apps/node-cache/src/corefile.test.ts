import { describe, expect, it } from 'vitest';
import { parseCorefile } from '@halo/corefile';
import { validateCorefile } from '@halo/server';
import { generateCorefile, clusterZones } from './corefile.ts';
import { readConfig } from './config.ts';

describe('generateCorefile', () => {
  const text = generateCorefile({ zone: 'cluster.local', pool: { host: '127.0.0.1', port: 5300 }, upstreams: [], resolvConf: '/etc/resolv.conf', port: 53 });

  it('is a Corefile libs/server accepts', () => {
    expect(validateCorefile(text, 'generated')).toEqual([]);
  });

  it.each([
    ['cluster.local', 'forward', ['.', '127.0.0.1:5300']],
    ['cluster.local', 'cache', []],
    ['.', 'forward', ['.', '/etc/resolv.conf']],
    ['.', 'cache', ['30']],
    ['node-cache.halo.invalid', 'whoami', []],
  ])('block %s has %s %j', (zone, plugin, args) => {
    const parsed = parseCorefile(text);
    if (!parsed.ok) throw new Error('unparsable');
    const block = parsed.corefile.blocks.find((b) => b.addresses.some((a) => a.zone === zone));
    const d = block?.directives.find((x) => x.name === plugin);
    expect(d?.args.map((a) => a.text)).toEqual(args);
  });

  it('caps as NodeLocal DNSCache does and serves stale', () => {
    expect(text).toContain('success 9984 30');
    expect(text).toContain('denial 9984 5');
    expect(text).toContain('serve_stale');
  });

  it('names the reverse zones with the cluster zone', () => {
    expect(clusterZones('example.internal')).toEqual(['example.internal', 'in-addr.arpa', 'ip6.arpa']);
    expect(text.split('\n')[0]).toBe('cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {');
  });

  it('takes explicit upstreams', () => {
    const t = generateCorefile({ zone: 'cluster.local', pool: { host: '127.0.0.1', port: 1 }, upstreams: [{ host: '9.9.9.9', port: 53 }, { host: '2620:fe::fe', port: 53 }], resolvConf: '/x', port: 53 });
    expect(t).toContain('forward . 9.9.9.9:53 [2620:fe::fe]:53');
  });
});

describe('readConfig', () => {
  it.each<[string[], Record<string, unknown> | string]>([
    [['--answerers', '10.0.0.1:53,10.0.0.2'], { listen: [{ host: '169.254.20.10', port: 53 }], answerers: [{ host: '10.0.0.1', port: 53 }, { host: '10.0.0.2', port: 53 }], tryTimeoutMs: 50 }],
    [['--answerers', '10.0.0.1', '--service-ip', '10.96.0.10'], { listen: [{ host: '169.254.20.10', port: 53 }, { host: '10.96.0.10', port: 53 }] }],
    [['--answerers-service', 'kube-system/halo-answerer'], { answerersService: { namespace: 'kube-system', name: 'halo-answerer', port: 53 } }],
    [['--answerers', '10.0.0.1', '--try-timeout', '0.1s', '--force-tcp'], { tryTimeoutMs: 100, forceTcp: true }],
    [[], 'give the answerer pool'],
    [['--answerers', 'nope'], '--answerers: "nope"'],
    [['--answerers', '10.0.0.1', '--service-ip', '10.96.0'], '--service-ip'],
  ])('%j', (argv, expected) => {
    const r = readConfig(argv, {});
    if (typeof expected === 'string') {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toContain(expected);
    } else {
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.config).toMatchObject(expected);
    }
  });
});
