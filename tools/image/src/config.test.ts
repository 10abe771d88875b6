import { describe, expect, it } from 'vitest';
import { DEFAULT_TAG, readConfig, usage } from './config.ts';

describe('readConfig', () => {
  it.each<[string[], unknown]>([
    [[], { command: 'build', tag: DEFAULT_TAG, debootstrap: false, suite: 'bookworm' }],
    [
      ['--engine', 'podman', '--tag', 'registry.example.com/halo-dns/halo:0.2.0', '--node-version', '24.21'],
      { engine: 'podman', tag: 'registry.example.com/halo-dns/halo:0.2.0', nodeVersion: '24.21' },
    ],
    [['--debootstrap', '--suite', 'trixie'], { engine: 'buildah', debootstrap: true, suite: 'trixie' }],
    [['--base-image', 'localhost/debian:slim'], { baseImage: 'localhost/debian:slim' }],
    [['bundle', '/out'], { command: 'bundle', outDir: '/out' }],
  ])('reads %j', (argv, config) => {
    expect(readConfig(argv)).toMatchObject({ ok: true, config });
  });

  it.each<[string[], RegExp]>([
    [['--engine', 'kaniko'], /^--engine: one of docker, podman, buildah, got "kaniko"/],
    [['--tag', 'Halo:Latest'], /^--tag: "Halo:Latest" is not an image name/],
    [['--debootstrap', '--engine', 'docker'], /^--debootstrap makes buildah images/],
    [['--debootstrap', '--base-image', 'x'], /^--debootstrap makes the base images/],
    [['--node-version', 'lts'], /^--node-version: "lts" is not a version/],
    [['bundle'], /^bundle takes one folder/],
    [['push'], /^unexpected "push"/],
  ])('refuses %j', (argv, message) => {
    expect(readConfig(argv)).toMatchObject({ ok: false, message: expect.stringMatching(message) });
  });

  it('answers --help with the usage', () => {
    expect(readConfig(['--help'])).toEqual({ ok: false, help: true, message: usage });
  });
});
