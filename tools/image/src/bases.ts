// Base images made here, for machines that reach Debian's packages but no image registry: a Debian
// root file system from `debootstrap --variant=minbase`, imported into buildah, stands in for
// debian:<suite>-slim; the same with a C compiler, Node and npm stands in for node:<version>-<suite>.
// The debootstrap tarball is kept in ~/.cache/halo-dns/images (keyed by suite), the images in
// buildah's own storage, so each is made once per machine.
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCommand, type Command, type Runner } from './engine.ts';

export class BaseImageError extends Error {
  readonly code = 'BASE_IMAGE_FAILED';
}

export const DEFAULT_SUITE = 'bookworm';
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'halo-dns', 'images');
}

/** Image names by suite (and Node version for the build base): a new suite or Node makes new ones. */
export function baseImageName(suite: string): string {
  return `localhost/halo-base:${suite}-minbase`;
}
export function buildImageName(suite: string, nodeVersion: string): string {
  return `localhost/halo-build-base:${suite}-node${nodeVersion}`;
}

async function must(run: Runner, c: Command, what: string): Promise<string> {
  const r = await run(c);
  if (r.code !== 0)
    throw new BaseImageError(`${what}: \`${c.file} ${c.args.join(' ')}\` exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n')}`);
  return r.stdout.trim();
}

const imageExists = async (run: Runner, name: string) => (await run({ file: 'buildah', args: ['inspect', '--type', 'image', name] })).code === 0;

/** The minbase root file system of `suite` as a tarball, made by debootstrap on first use. */
export async function debootstrapTarball(suite: string, options: { mirror?: string; run?: Runner; log?: (line: string) => void } = {}): Promise<string> {
  const run = options.run ?? runCommand;
  const tarball = join(cacheDir(), `debootstrap-${suite}-minbase.tar`);
  if (
    await stat(tarball).then(
      () => true,
      () => false,
    )
  )
    return tarball;
  await mkdir(dirname(tarball), { recursive: true });
  const work = await mkdtemp(join(tmpdir(), `halo-debootstrap-${suite}-`));
  try {
    options.log?.(`debootstrap --variant=minbase ${suite} (once; kept in ${tarball})`);
    await must(
      run,
      { file: 'debootstrap', args: ['--variant=minbase', suite, join(work, 'root'), options.mirror ?? DEFAULT_MIRROR] },
      `cannot debootstrap ${suite}`,
    );
    // Apt's downloaded packages are not part of the system.
    await rm(join(work, 'root', 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
    await must(
      run,
      { file: 'tar', args: ['-C', join(work, 'root'), '--numeric-owner', '-cf', join(work, 'root.tar'), '.'] },
      'cannot pack the root file system',
    );
    // Written under another name first: an interrupted run leaves no half tarball behind as the cache.
    await rename(join(work, 'root.tar'), tarball).catch(async () => {
      await must(run, { file: 'cp', args: [join(work, 'root.tar'), `${tarball}.part`] }, 'cannot keep the tarball');
      await rename(`${tarball}.part`, tarball);
    });
    return tarball;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A buildah image of the debootstrap tarball: the run stage's base (stands in for debian:<suite>-slim). */
export async function ensureBaseImage(suite: string, options: { run?: Runner; log?: (line: string) => void } = {}): Promise<string> {
  const run = options.run ?? runCommand;
  const name = baseImageName(suite);
  if (await imageExists(run, name)) return name;
  const tarball = await debootstrapTarball(suite, options);
  options.log?.(`importing ${tarball} as ${name}`);
  const ctr = await must(run, { file: 'buildah', args: ['from', 'scratch'] }, 'cannot start an empty container');
  try {
    await must(run, { file: 'buildah', args: ['add', ctr, tarball, '/'] }, 'cannot unpack the root file system');
    await must(
      run,
      { file: 'buildah', args: ['config', '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--cmd', '/bin/bash', ctr] },
      'cannot configure the base',
    );
    await must(run, { file: 'buildah', args: ['commit', '--rm', ctr, name] }, 'cannot commit the base');
  } catch (error) {
    await run({ file: 'buildah', args: ['rm', ctr] });
    throw error;
  }
  return name;
}

/** Where this machine's Node (the repo's `node` package) and npm are, to copy into the build base. */
export function hostNode(root: string): { node: string; include: string; npm: string; version: string } {
  const node = realpathSync(join(root, 'node_modules', '.bin', 'node'));
  // N-API and libuv headers of any Node 24-or-older install serve the addon (as libs/udp/scripts/build.mjs
  // says): the `node` package's own, else the system's.
  const packaged = join(dirname(dirname(node)), 'node_modules', `node-${process.platform}-${process.arch}`, 'include', 'node');
  const include = [
    packaged,
    join(dirname(dirname(node)), 'include', 'node'),
    join(dirname(dirname(process.execPath)), 'include', 'node'),
    '/usr/local/include/node',
    '/usr/include/node',
  ].find((d) => existsSync(join(d, 'node_api.h')));
  const npmCandidates = [
    process.env.npm_execpath ? dirname(dirname(process.env.npm_execpath)) : '',
    '/usr/lib/node_modules/npm',
    '/usr/local/lib/node_modules/npm',
  ];
  const npm = npmCandidates.find((d) => d !== '' && existsSync(join(d, 'bin', 'npm-cli.js')));
  if (!include) throw new BaseImageError(`no Node headers beside ${node}: run npm install`);
  if (!npm) throw new BaseImageError('npm is not installed where it is looked for (/usr/lib/node_modules/npm)');
  return { node, include, npm, version: process.versions.node };
}

/**
 * The build stage's base: the minbase with gcc and libc headers (from Debian), this machine's Node 24
 * with its headers, and npm, laid out as in the node image (/usr/local/bin/node, /usr/local/include/node).
 */
export async function ensureBuildImage(suite: string, root: string, options: { run?: Runner; log?: (line: string) => void } = {}): Promise<string> {
  const run = options.run ?? runCommand;
  const host = hostNode(root);
  const name = buildImageName(suite, host.version);
  if (await imageExists(run, name)) return name;
  const base = await ensureBaseImage(suite, options);
  options.log?.(`making ${name}: ${base} with gcc, Node ${host.version} and npm`);
  const ctr = await must(run, { file: 'buildah', args: ['from', base] }, 'cannot start the build base');
  const inside = (script: string) =>
    must(run, { file: 'buildah', args: ['run', '--isolation', 'chroot', ctr, '--', 'sh', '-ec', script] }, 'cannot prepare the build base');
  try {
    await inside(
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null && rm -rf /var/lib/apt/lists/*',
    );
    await must(run, { file: 'buildah', args: ['copy', ctr, host.node, '/usr/local/bin/node'] }, 'cannot copy Node');
    await must(run, { file: 'buildah', args: ['copy', ctr, host.include, '/usr/local/include/node'] }, 'cannot copy the Node headers');
    await must(run, { file: 'buildah', args: ['copy', ctr, host.npm, '/usr/local/lib/node_modules/npm'] }, 'cannot copy npm');
    // The certificates this machine trusts, so that npm in the build reaches the registry as it does here.
    const ca = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
    if (existsSync(ca)) {
      await must(run, { file: 'buildah', args: ['copy', ctr, ca, '/usr/local/share/halo-host-ca.crt'] }, 'cannot copy the certificates');
      await must(
        run,
        { file: 'buildah', args: ['config', '--env', 'NODE_EXTRA_CA_CERTS=/usr/local/share/halo-host-ca.crt', ctr] },
        'cannot configure the build base',
      );
    }
    await inside('ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && chmod +x /usr/local/bin/node && node --version && npm --version');
    await must(run, { file: 'buildah', args: ['commit', '--rm', ctr, name] }, 'cannot commit the build base');
  } catch (error) {
    await run({ file: 'buildah', args: ['rm', ctr] });
    throw error;
  }
  return name;
}
