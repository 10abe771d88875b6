import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig, usage } from './config.ts';

describe('readConfig', () => {
  it("defaults to kubeadm's Corefile for CoreDNS", () => {
    const parsed = readConfig([], {});
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.config.corefile.text).toContain('kubernetes cluster.local in-addr.arpa ip6.arpa {');
      expect(parsed.config.corefile.text).toContain('forward . /etc/resolv.conf');
      expect(parsed.config.listen).toBeUndefined();
    }
  });
  it('serves every block on --dns-port when given', () => {
    expect(readConfig(['--dns-port', '1053', '--dns-host', '127.0.0.1'], {})).toMatchObject({
      ok: true,
      config: { listen: { host: '127.0.0.1', port: 1053 } },
    });
  });
  it('reads a Corefile file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'answerer-'));
    writeFileSync(join(dir, 'Corefile'), '.:53 {\n  whoami\n}\n');
    expect(readConfig(['--corefile', join(dir, 'Corefile')], {})).toMatchObject({ ok: true, config: { corefile: { text: '.:53 {\n  whoami\n}\n' } } });
  });
  it.each([
    ['--ns-address', ['--ns-address', '10.244.0.7,fd00::7'], {}, ['10.244.0.7', 'fd00::7']],
    ['env POD_IPS', [], { POD_IPS: '10.244.0.8,fd00::8', POD_IP: '10.244.0.9' }, ['10.244.0.8', 'fd00::8']],
    ['env POD_IP', [], { POD_IP: '10.244.0.9' }, ['10.244.0.9']],
    ['the one --dns-host', ['--dns-port', '1053', '--dns-host', '127.0.0.1'], {}, ['127.0.0.1']],
  ])('name server addresses from %s', (_label, argv, env, expected) => {
    expect(readConfig(argv, env)).toMatchObject({ ok: true, config: { nsAddresses: expected } });
  });
  it('has the defaults its usage names', () => {
    expect(readConfig([], { POD_IP: '10.244.0.9' })).toMatchObject({
      ok: true,
      config: {
        nats: ['nats://127.0.0.1:4222'],
        zone: 'cluster.local',
        adminHost: '0.0.0.0',
        adminPort: 8081,
        workers: availableParallelism(),
        instance: expect.stringMatching(/-\d+$/),
      },
    });
  });
  // Each row: flags, environment, then what the config holds.
  it.each<[string[], NodeJS.ProcessEnv, Record<string, unknown>]>([
    [
      [],
      { NATS_URL: 'nats://a:4222, nats://b:4222', ADMIN_PORT: '9081', HALO_WORKERS: '3', POD_NAME: 'answerer-0' },
      { nats: ['nats://a:4222', 'nats://b:4222'], adminPort: 9081, workers: 3, instance: 'answerer-0' },
    ],
    [
      ['--nats', 'nats://c:4222', '--admin-port', '0', '--workers', '1', '--instance', 'a1'],
      { NATS_URL: 'nats://a:4222', ADMIN_PORT: '9081', HALO_WORKERS: '3', POD_NAME: 'answerer-0' },
      { nats: ['nats://c:4222'], adminPort: 0, workers: 1, instance: 'a1' },
    ],
    [['--workers', '256', '--zone', 'Example.Org.', '--admin-host', '127.0.0.1'], {}, { workers: 256, zone: 'example.org', adminHost: '127.0.0.1' }],
    [['--dns-port', '1053'], {}, { listen: { host: '0.0.0.0', port: 1053 } }],
    [['--dns-host', '127.0.0.1'], {}, { listen: undefined }],
    [
      ['--dns-port', '1053', '--dns-host', '127.0.0.1', '--own-listen', '127.0.0.1:1054'],
      {},
      { listen: { host: '127.0.0.1', port: 1053 }, ownListen: { host: '127.0.0.1', port: 1054 } },
    ],
  ])('reads %j with env %j', (argv, env, expected) => {
    expect(readConfig(argv, { POD_IP: '10.244.0.9', ...env })).toMatchObject({ ok: true, config: expected });
  });
  it.each<[string[], NodeJS.ProcessEnv, RegExp]>([
    [['--ns-address', 'ns.example'], {}, /^--ns-address: not an IP address: ns.example$/],
    [[], { POD_IPS: '10.0.0.1,pod' }, /^--ns-address: not an IP address: pod$/],
    [['--dns-port', '70000'], {}, /^--dns-port: not a port: 70000$/],
    [['--own-listen', '127.0.0.1:1054'], {}, /^--own-listen needs --dns-port/],
    [['--dns-port', '1053', '--own-listen', '127.0.0.1:x'], {}, /^--own-listen: /],
    [['--corefile', '/nonexistent/Corefile'], {}, /^--corefile: cannot read \/nonexistent\/Corefile: /],
    [['--admin-port', 'x'], {}, /^--admin-port: not a port: x$/],
    [[], { ADMIN_PORT: '-1' }, /^--admin-port: not a port: -1$/],
    [['--workers', '0'], {}, /^--workers: a whole number from 1 to 256, got "0"$/],
    [['--workers', '257'], {}, /^--workers: a whole number from 1 to 256, got "257"$/],
    [[], { HALO_WORKERS: 'many' }, /^--workers: a whole number from 1 to 256, got "many"$/],
    [['--nats', 'http://a:4222'], {}, /^--nats: "http:\/\/a:4222" is not a NATS server URL/],
    [[], { NATS_URL: ' , ' }, /^--nats: give at least one NATS server/],
    [['--bogus'], {}, /^Unknown option '--bogus'[^]*\nUsage: halo-answerer/],
    [['--dns-port'], {}, /^Option '--dns-port <value>' argument missing\nUsage: halo-answerer/],
    [['answerer'], {}, /^Unexpected argument 'answerer'[^]*\nUsage: halo-answerer/],
  ])('refuses %j with env %j', (argv, env, message) => {
    const parsed = readConfig(argv, env);
    expect(parsed).toMatchObject({ ok: false, message: expect.stringMatching(message) });
    expect(parsed).not.toHaveProperty('help');
  });
  it.each<[string[]]>([[['--help']], [['-h']], [['--workers', '0', '--help']]])('answers %j with the usage, as help (exit 0)', (argv) => {
    expect(readConfig(argv, {})).toEqual({ ok: false, help: true, message: usage });
  });
});
