import { describe, expect, it } from 'vitest';
import { readConfig, usage } from './config.ts';

const answererDefaults = {
  durationSeconds: 20,
  warmupSeconds: 3,
  answerers: 2,
  services: 10_000,
  endpoints: 100_000,
  outstanding: 100,
  noKnot: false,
  noCoredns: false,
  from: 'bundle',
};
const scaleDefaults = {
  services: 10_000,
  endpoints: 100_000,
  answerers: 2,
  leaseSeconds: 15,
  churnRate: 100,
  churnSeconds: 60,
  caches: 50,
  subscribers: 500,
  fanoutChanges: 200,
  coredns: undefined,
  noCoredns: false,
  noApiserver: false,
  steps: ['cold', 'memory', 'takeover', 'churn', 'fanout'],
};
const cacheDefaults = {
  durationSeconds: 20,
  warmupSeconds: 3,
  answerers: 2,
  services: 1_000,
  endpoints: 10_000,
  outstanding: 100,
  hot: 2_000,
  changes: 200,
  staleChanges: 3,
  from: 'bundle',
};

describe('readConfig', () => {
  // Each row: what was typed after `npm run bench --`, then the benchmark and its options.
  it.each<[string[], unknown]>([
    [['answerer'], { benchmark: 'answerer', options: answererDefaults }],
    [['cache'], { benchmark: 'cache', options: cacheDefaults }],
    [['--answerers', '1', 'answerer', '--no-knot'], { benchmark: 'answerer', options: { ...answererDefaults, answerers: 1, noKnot: true } }],
    [
      ['answerer', '--duration', '5', '--warmup', '0', '--services', '100', '--endpoints', '0', '--outstanding', '10'],
      { benchmark: 'answerer', options: { ...answererDefaults, durationSeconds: 5, warmupSeconds: 0, services: 100, endpoints: 0, outstanding: 10 } },
    ],
    [
      ['cache', '--hot', '50', '--changes', '0', '--stale-changes', '0', '--services', '2000'],
      { benchmark: 'cache', options: { ...cacheDefaults, hot: 50, changes: 0, staleChanges: 0, services: 2_000 } },
    ],
    [['answerer', '--coredns', '/opt/coredns'], { benchmark: 'answerer', options: { ...answererDefaults, coredns: '/opt/coredns' } }],
    [['answerer', '--no-coredns'], { benchmark: 'answerer', options: { ...answererDefaults, noCoredns: true } }],
    [['cache', '--from', 'ts'], { benchmark: 'cache', options: { ...cacheDefaults, from: 'ts' } }],
    [['startup'], { benchmark: 'startup', options: { settleSeconds: 3 } }],
    [['startup', '--settle', '10'], { benchmark: 'startup', options: { settleSeconds: 10 } }],
    [['scale'], { benchmark: 'scale', options: scaleDefaults }],
    [
      [
        'scale',
        '--services',
        '1000',
        '--endpoints',
        '10000',
        '--lease',
        '4',
        '--churn-rate',
        '20',
        '--churn-seconds',
        '5',
        '--caches',
        '3',
        '--subscribers',
        '0',
        '--fanout-changes',
        '10',
        '--no-coredns',
        '--no-apiserver',
      ],
      {
        benchmark: 'scale',
        options: {
          ...scaleDefaults,
          services: 1_000,
          endpoints: 10_000,
          leaseSeconds: 4,
          churnRate: 20,
          churnSeconds: 5,
          caches: 3,
          subscribers: 0,
          fanoutChanges: 10,
          noCoredns: true,
          noApiserver: true,
        },
      },
    ],
    [['scale', '--coredns', '/opt/coredns'], { benchmark: 'scale', options: { ...scaleDefaults, coredns: '/opt/coredns' } }],
    [['scale', '--steps', 'cold'], { benchmark: 'scale', options: { ...scaleDefaults, steps: ['cold'] } }],
    // Run in their own order, whatever the order typed; a repeat counts once.
    [['scale', '--steps', 'fanout, takeover,cold,takeover'], { benchmark: 'scale', options: { ...scaleDefaults, steps: ['cold', 'takeover', 'fanout'] } }],
  ])('reads %j', (argv, config) => {
    expect(readConfig(argv)).toEqual({ ok: true, config });
  });

  it.each<[string[], RegExp]>([
    [[], /^which benchmark\?\nUsage: npm run bench/],
    [['knot'], /^no benchmark named "knot"\nUsage: npm run bench/],
    [['answerer', 'cache'], /^one benchmark at a time, not also "cache"\nUsage:/],
    [['answerer', '--duration', '0'], /^--duration: a whole number ≥ 1, got "0"$/],
    [['cache', '--hot', 'lots'], /^--hot: a whole number ≥ 1, got "lots"$/],
    [['cache', '--changes=-1'], /^--changes: a whole number ≥ 0, got "-1"$/],
    [['answerer', '--from', 'dist'], /^--from: "bundle" or "ts", got "dist"$/],
    [['startup', '--settle', 'soon'], /^--settle: a whole number ≥ 0, got "soon"$/],
    [['answerer', '--bogus'], /^Unknown option '--bogus'[^]*\nUsage: npm run bench/],
    [['answerer', '--duration'], /^Option '--duration <value>' argument missing\nUsage:/],
    [['scale', '--lease', '0'], /^--lease: a whole number ≥ 1, got "0"$/],
    [['scale', '--fanout-changes', '201'], /^--fanout-changes: at most 200/],
    [['scale', '--steps', 'cold,relist'], /^--steps: a comma-separated list of cold, memory, takeover, churn, fanout; got "relist"$/],
    [['scale', '--steps', ''], /^--steps: a comma-separated list of cold, memory, takeover, churn, fanout; got ""$/],
  ])('refuses %j', (argv, message) => {
    const r = readConfig(argv);
    expect(r).toMatchObject({ ok: false, message: expect.stringMatching(message) });
    expect(r).not.toHaveProperty('help');
  });

  it.each<[string[]]>([[['--help']], [['-h']], [['answerer', '--help']], [['knot', '-h']]])('answers %j with the usage, as help (exit 0)', (argv) => {
    expect(readConfig(argv)).toEqual({ ok: false, help: true, message: usage });
  });
});
