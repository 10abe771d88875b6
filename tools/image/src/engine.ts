// Which container engine builds the image, and the command line each one takes. Pure but for
// `findEngine`, which asks each engine whether it works.
import { execFile } from 'node:child_process';

export type Engine = 'docker' | 'podman' | 'buildah';
export const ENGINES: readonly Engine[] = ['docker', 'podman', 'buildah'];

/** One program run: `file` with `args`, no shell in between. */
export interface Command {
  file: string;
  args: string[];
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Runner = (command: Command, options?: { timeoutMs?: number }) => Promise<RunResult>;

export const runCommand: Runner = (command, options = {}) =>
  new Promise((resolve) => {
    execFile(command.file, command.args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 0 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : err.code === 'ENOENT' ? 127 : 1) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code !== 1 ? err.message : '') });
    });
  });

/**
 * How to tell that an engine works, not only that its client is installed: a docker client without a
 * daemon fails `docker info`.
 */
export function checkCommand(engine: Engine): Command {
  return engine === 'buildah' ? { file: 'buildah', args: ['--version'] } : { file: engine, args: ['info'] };
}

/** The first engine that works, in the order docker, podman, buildah; `wanted` alone when given. */
export async function findEngine(wanted?: Engine, run: Runner = runCommand): Promise<{ engine: Engine } | { engine: null; tried: string[] }> {
  const tried: string[] = [];
  for (const engine of wanted ? [wanted] : ENGINES) {
    const r = await run(checkCommand(engine), { timeoutMs: 20_000 });
    if (r.code === 0) return { engine };
    tried.push(`${engine}: ${r.code === 127 ? 'not installed' : (r.stderr.trim().split('\n')[0] ?? `exit ${r.code}`)}`);
  }
  return { engine: null, tried };
}

export interface BuildSpec {
  /** The build context: the repository root. */
  context: string;
  containerfile: string;
  tag: string;
  buildArgs: Record<string, string>;
}

/** The build command of each engine. Buildah builds in a chroot: it needs no runtime, as on CI here. */
export function buildCommand(engine: Engine, spec: BuildSpec): Command {
  const args = Object.entries(spec.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  const common = ['-f', spec.containerfile, '-t', spec.tag, ...args];
  switch (engine) {
    case 'docker':
      return { file: 'docker', args: ['build', ...common, spec.context] };
    case 'podman':
      return { file: 'podman', args: ['build', '--layers', ...common, spec.context] };
    case 'buildah':
      return { file: 'buildah', args: ['bud', '--isolation', 'chroot', '--layers', ...common, spec.context] };
  }
}

/** The image's size in bytes (its layers, uncompressed), or null when the engine cannot tell. */
export async function imageSize(engine: Engine, tag: string, run: Runner = runCommand): Promise<number | null> {
  if (engine !== 'buildah') {
    const r = await run({ file: engine, args: ['image', 'inspect', '--format', '{{.Size}}', tag] });
    return r.code === 0 && /^\d+$/.test(r.stdout.trim()) ? Number(r.stdout.trim()) : null;
  }
  // buildah reports no size of its own: the manifest lists every layer's.
  const r = await run({ file: 'buildah', args: ['inspect', '--type', 'image', '--format', '{{.Manifest}}', tag] });
  if (r.code !== 0) return null;
  try {
    const manifest = JSON.parse(r.stdout) as { layers?: { size?: number }[] };
    return (manifest.layers ?? []).reduce((sum, l) => sum + (l.size ?? 0), 0) || null;
  } catch {
    return null;
  }
}
