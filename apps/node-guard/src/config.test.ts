import { describe, expect, it } from 'vitest';
import { DEFAULT_PROBE_NAME, readConfig, usage } from './config.ts';

describe('readConfig', () => {
  it.each<[string[], NodeJS.ProcessEnv, Record<string, unknown>]>([
    [
      [],
      {},
      {
        target: { host: '169.254.20.10', port: 53, name: DEFAULT_PROBE_NAME, type: 'A' },
        intervalMs: 200,
        timeoutMs: 250,
        failures: 2,
        successes: 2,
        interfaceName: 'halo-dns0',
        addresses: ['169.254.20.10'],
        port: 53,
        onExit: 'remove',
        iptables: 'auto',
        admin: undefined,
      },
    ],
    [['--on-exit', 'if-last', '--iptables', 'nft'], {}, { onExit: 'if-last', iptables: 'nft' }],
    [['--probe', '[fd00::10]:5353', '--probe-type', 'aaaa'], {}, { target: { host: 'fd00::10', port: 5353, type: 'AAAA' } }],
    [['--port', '5300'], { HALO_GUARD_PROBE: '10.0.0.10' }, { target: { host: '10.0.0.10', port: 5300 }, port: 5300 }],
    [['--interval', '1s', '--timeout', '0.5s', '--failures', '3', '--successes', '1'], {}, { intervalMs: 1000, timeoutMs: 500, failures: 3, successes: 1 }],
    [
      ['--addresses', '169.254.20.10, 10.96.0.10', '--admin-port', '0'],
      {},
      { addresses: ['169.254.20.10', '10.96.0.10'], admin: { host: '0.0.0.0', port: 0 } },
    ],
  ])('reads %j %j', (argv, env, expected) => {
    expect(readConfig(argv, env)).toMatchObject({ ok: true, config: expected });
  });
  it.each<[string[], RegExp]>([
    [['--port', '0'], /^--port: not a port: 0/],
    [['--probe', 'cache.local'], /^--probe: "cache.local" is not IP/],
    [['--probe', '10.0.0.1:0'], /^--probe:/],
    [['--probe-type', 'mx'], /^--probe-type: one of A, AAAA, SOA, NS, TXT, got MX/],
    [['--interval', '5ms'], /^--interval: a duration .*at least 10ms, got "5ms"/],
    [['--timeout', 'soon'], /^--timeout: a duration/],
    [['--failures', '0'], /^--failures: a whole number ≥ 1, got "0"/],
    [['--successes', 'x'], /^--successes: a whole number/],
    [['--addresses', '10.0.0.1,nope'], /^--addresses: "nope" is not an IP address/],
    [['--admin-port', '99999'], /^--admin-port: not a port: 99999/],
    [['--on-exit', 'later'], /^--on-exit: one of remove, keep, if-last, got "later"/],
    [['--iptables', 'ebtables'], /^--iptables: one of auto, legacy, nft, system, got "ebtables"/],
    [['--bogus'], /Unknown option '--bogus'[^]*Usage: halo-node-guard/],
  ])('refuses %j with a message', (argv, message) => {
    const parsed = readConfig(argv, {});
    expect(parsed).toMatchObject({ ok: false, message: expect.stringMatching(message) });
    expect(parsed).not.toHaveProperty('help');
  });
  it.each<[string[]]>([[['--help']], [['-h']], [['--port', '0', '-h']]])('answers %j with the usage, as help (exit 0)', (argv) => {
    expect(readConfig(argv, {})).toEqual({ ok: false, help: true, message: usage });
  });
});
