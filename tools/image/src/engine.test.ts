import { describe, expect, it } from 'vitest';
import { buildCommand, findEngine, imageSize, type Command, type Engine, type RunResult } from './engine.ts';

/** A runner that answers each program by name: exit code and output. */
const fake =
  (answers: Record<string, Partial<RunResult>>) =>
  async (c: Command): Promise<RunResult> => ({ code: 127, stdout: '', stderr: '', ...answers[c.file] });

describe('findEngine', () => {
  it.each<[string, Record<string, Partial<RunResult>>, Engine | undefined, Engine | null]>([
    ['docker whose daemon answers', { docker: { code: 0 }, buildah: { code: 0 } }, undefined, 'docker'],
    [
      'a docker client without a daemon: the next that works',
      { docker: { code: 1, stderr: 'Cannot connect to the Docker daemon' }, buildah: { code: 0 } },
      undefined,
      'buildah',
    ],
    ['podman before buildah', { podman: { code: 0 }, buildah: { code: 0 } }, undefined, 'podman'],
    ['the one asked for, or none', { docker: { code: 0 } }, 'buildah', null],
    ['nothing installed', {}, undefined, null],
  ])('%s', async (_name, answers, wanted, engine) => {
    const found = await findEngine(wanted, fake(answers));
    expect(found.engine).toBe(engine);
    if (found.engine === null) expect(found.tried.length).toBeGreaterThan(0);
  });
});

describe('buildCommand', () => {
  const spec = { context: '/repo', containerfile: '/repo/Containerfile', tag: 'halo-dns/halo:1', buildArgs: { NODE_VERSION: '24' } };
  it.each<[Engine, string[]]>([
    ['docker', ['build', '-f', '/repo/Containerfile', '-t', 'halo-dns/halo:1', '--build-arg', 'NODE_VERSION=24', '/repo']],
    ['podman', ['build', '--layers', '-f', '/repo/Containerfile', '-t', 'halo-dns/halo:1', '--build-arg', 'NODE_VERSION=24', '/repo']],
    ['buildah', ['bud', '--isolation', 'chroot', '--layers', '-f', '/repo/Containerfile', '-t', 'halo-dns/halo:1', '--build-arg', 'NODE_VERSION=24', '/repo']],
  ])('%s', (engine, args) => {
    expect(buildCommand(engine, spec)).toEqual({ file: engine, args });
  });
});

describe('imageSize', () => {
  it('adds up the layers of a buildah manifest', async () => {
    const manifest = JSON.stringify({ layers: [{ size: 100 }, { size: 23 }] });
    expect(await imageSize('buildah', 't', fake({ buildah: { code: 0, stdout: manifest } }))).toBe(123);
  });
  it("takes docker's own number", async () => {
    expect(await imageSize('docker', 't', fake({ docker: { code: 0, stdout: '4567\n' } }))).toBe(4567);
  });
  it('is null when the engine cannot tell', async () => {
    expect(await imageSize('buildah', 't', fake({ buildah: { code: 1 } }))).toBeNull();
  });
});
