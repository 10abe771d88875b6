// What `npm run image -- [options]` asks for. Read once, in one place.
import { readFlags, type ConfigResult } from '@halo/cli';
import { ENGINES, type Engine } from './engine.ts';
import { DEFAULT_SUITE } from './bases.ts';

export type ImageConfig =
  | {
      command: 'build';
      engine?: Engine;
      tag: string;
      nodeVersion?: string;
      buildImage?: string;
      baseImage?: string;
      /** Make the base images here from Debian's packages (debootstrap), for machines without a registry. */
      debootstrap: boolean;
      suite: string;
    }
  | { command: 'bundle'; outDir: string };

export const DEFAULT_TAG = 'halo-dns/halo:0.1.0';

export const usage = `Usage: npm run image -- [options]         build the image with docker, podman or buildah
       node tools/image/src/main.ts bundle DIR  bundle the apps into DIR (the Containerfile's build stage)

  --engine docker|podman|buildah  use this engine (default: the first that works, in that order)
  --tag NAME:TAG            the image's name (default ${DEFAULT_TAG})
  --node-version V          Node of the build image (build argument NODE_VERSION, default 24)
  --build-image IMAGE       the build stage's image (default docker.io/library/node:<NODE_VERSION>-bookworm)
  --base-image IMAGE        the run stage's image (default docker.io/library/debian:bookworm-slim)
  --debootstrap             no registry: make both base images here with debootstrap (buildah, as root;
                            the Debian tarball is kept in ~/.cache/halo-dns/images)
  --suite NAME              Debian suite for --debootstrap (default ${DEFAULT_SUITE})`;

export function readConfig(argv: string[]): ConfigResult<ImageConfig> {
  const flags = readFlags(
    argv,
    {
      engine: { type: 'string' },
      tag: { type: 'string' },
      'node-version': { type: 'string' },
      'build-image': { type: 'string' },
      'base-image': { type: 'string' },
      debootstrap: { type: 'boolean' },
      suite: { type: 'string' },
    },
    usage,
    { positionals: true },
  );
  if (!flags.ok) return flags;
  const { values, positionals } = flags;
  if (positionals[0] === 'bundle') {
    if (positionals.length !== 2) return { ok: false, message: `bundle takes one folder\n${usage}` };
    return { ok: true, config: { command: 'bundle', outDir: positionals[1] as string } };
  }
  if (positionals.length > 0) return { ok: false, message: `unexpected "${positionals.join(' ')}"\n${usage}` };
  const engine = values.engine;
  if (engine !== undefined && !(ENGINES as readonly string[]).includes(engine))
    return { ok: false, message: `--engine: one of ${ENGINES.join(', ')}, got "${engine}"` };
  const tag = values.tag ?? DEFAULT_TAG;
  if (!/^[a-z0-9][a-z0-9._/:-]*$/.test(tag)) return { ok: false, message: `--tag: "${tag}" is not an image name (lower case, digits, . _ / : -)` };
  const debootstrap = values.debootstrap === true;
  if (debootstrap && engine !== undefined && engine !== 'buildah') return { ok: false, message: '--debootstrap makes buildah images: use it with buildah' };
  if (debootstrap && (values['build-image'] || values['base-image']))
    return { ok: false, message: '--debootstrap makes the base images: give it or --build-image/--base-image, not both' };
  const suite = values.suite ?? DEFAULT_SUITE;
  if (!/^[a-z]+$/.test(suite)) return { ok: false, message: `--suite: "${suite}" is not a Debian suite name` };
  const nodeVersion = values['node-version'];
  if (nodeVersion !== undefined && !/^\d+(\.\d+){0,2}$/.test(nodeVersion))
    return { ok: false, message: `--node-version: "${nodeVersion}" is not a version (24, 24.21 or 24.21.0)` };
  return {
    ok: true,
    config: {
      command: 'build',
      engine: debootstrap ? 'buildah' : (engine as Engine | undefined),
      tag,
      nodeVersion,
      buildImage: values['build-image'],
      baseImage: values['base-image'],
      debootstrap,
      suite,
    },
  };
}
