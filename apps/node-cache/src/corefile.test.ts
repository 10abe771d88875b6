import { describe, expect, it } from 'vitest';
import { parseCorefile } from '@halo/corefile';
import { validateCorefile } from '@halo/server';
import { generateCorefile, clusterZones, pickAnswerers, MAX_ANSWERERS } from './corefile.ts';
import { readConfig, usage } from './config.ts';

describe('generateCorefile', () => {
  const base = {
    zone: 'cluster.local',
    answerers: [
      { host: '10.244.1.5', port: 53 },
      { host: 'fd00::7', port: 5353 },
    ],
    tryTimeoutMs: 50,
    forceTcp: false,
    upstreams: [],
    resolvConf: '/etc/resolv.conf',
    port: 53,
  };
  const text = generateCorefile(base);
  const directive = (t: string, zone: string, plugin: string) => {
    const parsed = parseCorefile(t);
    if (!parsed.ok) throw new Error('unparsable');
    const block = parsed.corefile.blocks.find((b) => b.addresses.some((a) => a.zone === zone));
    return block?.directives.find((x) => x.name === plugin);
  };
  const options = (t: string) =>
    Object.fromEntries((directive(t, 'cluster.local', 'forward')?.block ?? []).map((d) => [d.name, d.args.map((a) => a.text).join(' ')]));

  it('is a Corefile libs/server accepts', () => {
    expect(validateCorefile(text, 'generated')).toEqual([]);
  });

  it.each([
    ['cluster.local', 'forward', ['.', '10.244.1.5:53', '[fd00::7]:5353']],
    ['cluster.local', 'cache', []],
    ['.', 'forward', ['.', '/etc/resolv.conf']],
    ['.', 'cache', ['30']],
    ['node-cache.halo.invalid', 'whoami', []],
  ])('block %s has %s %j', (zone, plugin, args) => {
    expect(directive(text, zone, plugin)?.args.map((a) => a.text)).toEqual(args);
  });

  it.each<[string, Partial<typeof base>, Record<string, string>]>([
    ['defaults', {}, { policy: 'round_robin', try_timeout: '50ms', max_connect_attempts: '20', health_check: '0.5s' }],
    ['--try-timeout 120ms', { tryTimeoutMs: 120 }, { policy: 'round_robin', try_timeout: '120ms', max_connect_attempts: '9', health_check: '0.5s' }],
    ['--force-tcp', { forceTcp: true }, { policy: 'round_robin', try_timeout: '50ms', max_connect_attempts: '20', health_check: '0.5s', force_tcp: '' }],
    ['a slow try_timeout', { tryTimeoutMs: 2_000 }, { policy: 'round_robin', try_timeout: '2000ms', max_connect_attempts: '4', health_check: '0.5s' }],
  ])('the pool forward with %s', (_name, change, want) => {
    const t = generateCorefile({ ...base, ...change });
    expect(validateCorefile(t, 'generated')).toEqual([]);
    expect(options(t)).toEqual(want);
  });

  it('without a known answerer: no forward (misses SERVFAIL, stale answers still served), still valid', () => {
    const t = generateCorefile({ ...base, answerers: [] });
    expect(validateCorefile(t, 'generated')).toEqual([]);
    expect(directive(t, 'cluster.local', 'forward')).toBeUndefined();
    expect(directive(t, 'cluster.local', 'cache')).toBeDefined();
  });

  it('takes at most what forward takes from a big pool, the same ones for one node, others for another', () => {
    const pool = Array.from({ length: 40 }, (_, i) => ({ host: `10.244.${i}.1`, port: 53 }));
    const a = pickAnswerers(pool, 'node-a');
    expect(a).toHaveLength(MAX_ANSWERERS);
    expect(pickAnswerers([...pool].reverse(), 'node-a')).toEqual(a);
    expect(pickAnswerers(pool, 'node-b')).not.toEqual(a);
    expect(validateCorefile(generateCorefile({ ...base, answerers: pool, spreadKey: 'node-a' }), 'generated')).toEqual([]);
    expect(pickAnswerers(pool.slice(0, 3), 'node-a')).toEqual(pool.slice(0, 3));
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
    const t = generateCorefile({
      ...base,
      upstreams: [
        { host: '9.9.9.9', port: 53 },
        { host: '2620:fe::fe', port: 53 },
      ],
      resolvConf: '/x',
    });
    expect(t).toContain('forward . 9.9.9.9:53 [2620:fe::fe]:53');
  });
});

describe('readConfig', () => {
  it.each<[string[], Record<string, unknown> | string]>([
    [
      ['--answerers', '10.0.0.1:53,10.0.0.2'],
      {
        listen: [{ host: '169.254.20.10', port: 53 }],
        answerers: [
          { host: '10.0.0.1', port: 53 },
          { host: '10.0.0.2', port: 53 },
        ],
        tryTimeoutMs: 50,
      },
    ],
    [
      ['--answerers', '10.0.0.1', '--service-ip', '10.96.0.10'],
      {
        listen: [
          { host: '169.254.20.10', port: 53 },
          { host: '10.96.0.10', port: 53 },
        ],
      },
    ],
    [['--answerers-service', 'kube-system/halo-answerer'], { answerersService: { namespace: 'kube-system', name: 'halo-answerer', port: 53 } }],
    [['--answerers', '10.0.0.1', '--try-timeout', '0.1s', '--force-tcp'], { tryTimeoutMs: 100, forceTcp: true }],
    [[], 'give the answerer pool'],
    [['--answerers', 'nope'], '--answerers: "nope"'],
    [['--answerers', '10.0.0.1', '--service-ip', '10.96.0'], '--service-ip'],
    [['--answerers', '10.0.0.1', '--try-timeout', '0ms'], '--try-timeout: a duration'],
    [['--answerers', '10.0.0.1', '--bus-down-ttl', '1.5'], '--bus-down-ttl: a whole number'],
    [['--answerers', '10.0.0.1', '--admin-port', 'http'], '--admin-port: not a port: http'],
    [['--answerers', '10.0.0.1', '--admin-port', '0'], { adminPort: 0 }],
    [['--answerers', '10.0.0.1', '--nats', 'nats://a:4222,nats://b:4222'], { nats: ['nats://a:4222', 'nats://b:4222'] }],
    [['--answerers', '10.0.0.1'], { onExit: 'remove', iptables: 'auto' }],
    [['--answerers', '10.0.0.1', '--on-exit', 'if-last', '--iptables', 'legacy'], { onExit: 'if-last', iptables: 'legacy' }],
    [['--answerers', '10.0.0.1', '--on-exit', 'keep'], { onExit: 'keep' }],
    [['--answerers', '10.0.0.1', '--on-exit', 'never'], '--on-exit: one of remove, keep, if-last, got "never"'],
    [['--answerers', '10.0.0.1', '--iptables', 'ipvs'], '--iptables: one of auto, legacy, nft, system, got "ipvs"'],
    [['--answerers', '10.0.0.1', '--skip-teardown'], "Unknown option '--skip-teardown'"],
    [['--bogus'], "Unknown option '--bogus'"],
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
  it.each<[string[]]>([[['--help']], [['-h']], [['--answerers', 'nope', '--help']]])('answers %j with the usage, as help (exit 0)', (argv) => {
    expect(readConfig(argv, {})).toEqual({ ok: false, help: true, message: usage });
  });
});
