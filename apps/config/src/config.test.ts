import { describe, expect, it } from 'vitest';
import { readConfig, usage } from './config.ts';

const token = { HALO_CONFIG_TOKEN: 'operator-token' };

describe('readConfig', () => {
  it.each<[string[], Record<string, unknown>]>([
    [
      [],
      {
        nats: ['nats://127.0.0.1:4222'],
        host: '0.0.0.0',
        port: 18080,
        adminPort: 8082,
        watchConfigMaps: true,
        clusterZone: 'cluster.local',
        token: 'operator-token',
      },
    ],
    [
      ['--nats', 'nats://a:4222, nats://b:4222', '--port', '0', '--admin-port', '9000', '--no-configmaps', '--cluster-zone', 'Example.Org.'],
      { nats: ['nats://a:4222', 'nats://b:4222'], port: 0, adminPort: 9000, watchConfigMaps: false, clusterZone: 'example.org' },
    ],
    [['--tokens-secret', 'kube-system/halo-config-tokens'], { tokensSecret: 'kube-system/halo-config-tokens' }],
  ])('reads %j', (argv, expected) => {
    expect(readConfig(argv, token)).toMatchObject({ ok: true, config: expected });
  });
  it.each<[string[], NodeJS.ProcessEnv, RegExp]>([
    [['--port', '70000'], token, /^--port: not a port/],
    [['--admin-port', 'x'], token, /^--admin-port: not a port/],
    [['--nats', 'http://a:4222'], token, /^--nats:/],
    [['--tokens-secret', 'no-slash'], token, /--tokens-secret: give NAMESPACE\/NAME/],
    [[], {}, /^no tokens/],
    [['--bogus'], token, /Unknown option '--bogus'[^]*Usage: halo-config/],
  ])('refuses %j with a message', (argv, env, message) => {
    const parsed = readConfig(argv, env);
    expect(parsed).toMatchObject({ ok: false, message: expect.stringMatching(message) });
    expect(parsed).not.toHaveProperty('help');
  });
  it.each<[string[]]>([[['--help']], [['-h']], [['--port', '70000', '--help']]])('answers %j with the usage, as help (exit 0)', (argv) => {
    expect(readConfig(argv, token)).toEqual({ ok: false, help: true, message: usage });
  });
});
