import { describe, expect, it } from 'vitest';
import { defaultManifests } from '@halo/stack';
import { defaultQuestions, readConfig, usage } from './config.ts';

const defaults = {
  manifests: defaultManifests,
  questions: defaultQuestions,
  coredns: undefined,
  pods: 'insecure',
  ttlSlack: 5,
  compareSerial: false,
  tcp: false,
  edns: 1232,
  showAll: false,
  generated: undefined,
  maxShown: 50,
};

describe('readConfig', () => {
  // Each row: the flags, then what differs from the defaults.
  it.each<[string[], Record<string, unknown>]>([
    [[], {}],
    [
      ['--manifests', 'cluster.yaml', '--questions', 'q.txt', '--coredns', '/opt/coredns'],
      { manifests: 'cluster.yaml', questions: 'q.txt', coredns: '/opt/coredns' },
    ],
    [['--pods', 'verified', '--ttl-slack', '0.5', '--edns', '0'], { pods: 'verified', ttlSlack: 0.5, edns: 0 }],
    [['--pods', 'disabled', '--ttl-slack', '3600', '--edns', '65535'], { pods: 'disabled', ttlSlack: 3600, edns: 65535 }],
    [['--compare-serial', '--tcp', '--show-all'], { compareSerial: true, tcp: true, showAll: true }],
    [['--generated', '10000', '--max-shown', '0'], { generated: 10000, maxShown: 0 }],
  ])('reads %j', (argv, expected) => {
    expect(readConfig(argv)).toEqual({ ok: true, config: { ...defaults, ...expected } });
  });

  it.each<[string[], RegExp]>([
    [['--pods', 'secure'], /^--pods: insecure, verified or disabled, not "secure"$/],
    [['--ttl-slack', 'lots'], /^--ttl-slack: a number of seconds ≥ 0, not "lots"$/],
    [['--ttl-slack=-1'], /^--ttl-slack: a number of seconds ≥ 0, not "-1"$/],
    [['--edns', '65536'], /^--edns: a whole number from 0 to 65535, got "65536"$/],
    [['--edns', '1.5'], /^--edns: a whole number/],
    [['--generated', '5'], /^--generated: a whole number from 10 to 100000, got "5"$/],
    [['--generated', '100', '--manifests', 'x.yaml'], /^--generated makes the cluster and the questions: leave out --manifests and --questions$/],
    [['--bogus'], /^Unknown option '--bogus'[^]*\nUsage: node tools\/compare/],
    [['demo.yaml'], /^Unexpected argument 'demo.yaml'[^]*\nUsage: node tools\/compare/],
  ])('refuses %j', (argv, message) => {
    const r = readConfig(argv);
    expect(r).toMatchObject({ ok: false, message: expect.stringMatching(message) });
    expect(r).not.toHaveProperty('help');
  });

  it.each<[string[]]>([[['--help']], [['-h']], [['--pods', 'secure', '--help']]])('answers %j with the usage, as help (exit 0)', (argv) => {
    expect(readConfig(argv)).toEqual({ ok: false, help: true, message: usage });
  });
});
