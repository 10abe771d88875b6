// Builds the image from the root Containerfile with the engine found (or asked for), on the given
// bases or on bases made here with debootstrap.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBaseImage, ensureBuildImage } from './bases.ts';
import { buildCommand, findEngine, imageSize, runCommand, type Engine, type Runner } from './engine.ts';

export class ImageBuildError extends Error {
  readonly code = 'IMAGE_BUILD_FAILED';
}

export interface BuildImageOptions {
  root: string;
  tag: string;
  engine?: Engine;
  nodeVersion?: string;
  buildImage?: string;
  baseImage?: string;
  debootstrap?: boolean;
  suite?: string;
  log?: (line: string) => void;
  run?: Runner;
  /** Where the engine's own output goes (default: this process's stderr). */
  output?: 'inherit' | 'collect';
}

export interface BuiltImage {
  engine: Engine;
  tag: string;
  /** Bytes, as the engine counts them (uncompressed layers). */
  size: number | null;
  buildArgs: Record<string, string>;
  /** The engine's output when collected. */
  output: string;
}

/** Runs a long command, its output streamed (people watch a build) or collected (tests read it on failure). */
function stream(file: string, args: string[], mode: 'inherit' | 'collect'): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: mode === 'inherit' ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => chunks.push(d));
    child.stderr?.on('data', (d: Buffer) => chunks.push(d));
    child.once('error', (err) => resolve({ code: 127, output: err.message }));
    child.once('exit', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  const run = options.run ?? runCommand;
  const found = await findEngine(options.debootstrap ? 'buildah' : options.engine, run);
  if (found.engine === null) {
    throw new ImageBuildError(
      `no container engine works here (${found.tried.join('; ')}): install docker, podman or buildah (Debian: apt-get install buildah)`,
    );
  }
  const engine = found.engine;
  const buildArgs: Record<string, string> = {};
  if (options.nodeVersion) buildArgs.NODE_VERSION = options.nodeVersion;
  if (options.debootstrap) {
    const suite = options.suite ?? 'bookworm';
    buildArgs.BUILD_IMAGE = await ensureBuildImage(suite, options.root, { run, log: options.log });
    buildArgs.BASE_IMAGE = await ensureBaseImage(suite, { run, log: options.log });
  }
  if (options.buildImage) buildArgs.BUILD_IMAGE = options.buildImage;
  if (options.baseImage) buildArgs.BASE_IMAGE = options.baseImage;
  const command = buildCommand(engine, { context: options.root, containerfile: join(options.root, 'Containerfile'), tag: options.tag, buildArgs });
  options.log?.(`${command.file} ${command.args.join(' ')}`);
  const built = await stream(command.file, command.args, options.output ?? 'inherit');
  if (built.code !== 0) {
    const hint =
      options.debootstrap || options.buildImage || options.baseImage
        ? ''
        : '; where no image registry is reachable, `npm run image -- --debootstrap` makes the base images here';
    throw new ImageBuildError(
      `${engine} could not build the image (exit ${built.code})${hint}${built.output ? `:\n${built.output.split('\n').slice(-30).join('\n')}` : ''}`,
    );
  }
  return { engine, tag: options.tag, size: await imageSize(engine, options.tag, run), buildArgs, output: built.output };
}
