import { describe, expect, it } from 'vitest';
import { readConfig, usage } from './config.ts';

describe('readConfig', () => {
  it('has sensible defaults', () => {
    const parsed = readConfig([], { POD_NAME: 'watcher-abc', POD_NAMESPACE: 'dns' });
    expect(parsed).toMatchObject({
      ok: true,
      config: {
        nats: ['nats://127.0.0.1:4222'],
        zone: 'cluster.local',
        leaseNamespace: 'dns',
        leaseName: 'halo-watcher',
        identity: 'watcher-abc',
        adminPort: 8080,
        leaseDurationSeconds: 15,
        leaderElection: true,
      },
    });
  });
  it.each([
    [['--nats', 'nats://a:4222, nats://b:4222', '--zone', 'Example.Org.'], { nats: ['nats://a:4222', 'nats://b:4222'], zone: 'example.org' }],
    [['--kube-server', 'http://127.0.0.1:16443', '--watch-pods'], { kubeServer: 'http://127.0.0.1:16443', watchPods: true }],
    [['--no-leader-election'], { leaderElection: false }],
  ])('reads %j', (argv, expected) => {
    expect(readConfig(argv, {})).toMatchObject({ ok: true, config: expected });
  });
  it.each([
    [['--admin-port', 'http'], /--admin-port/],
    [['--lease-duration', '0'], /--lease-duration/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j with a message', (argv, message) => {
    const parsed = readConfig(argv, {});
    expect(parsed).toMatchObject({ ok: false, message: expect.stringMatching(message) });
    expect(parsed).not.toHaveProperty('help');
  });
  it.each<[string[]]>([[['--help']], [['-h']]])('answers %j with the usage, as help (exit 0)', (argv) => {
    expect(readConfig(argv, {})).toEqual({ ok: false, help: true, message: usage });
  });
});
