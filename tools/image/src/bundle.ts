// Bundles every app into one ES module each (shared code in common chunks), for the image: Node then
// loads plain JavaScript, with no type stripping and no node_modules tree. Files the code reads beside
// itself (`new URL('./x', import.meta.url)`, the UDP addon by `require('../build/udp.node')`) are
// copied into `assets/` and the references rewritten, so the bundle carries them wherever it goes.
import { build, type Plugin } from 'esbuild';
import { copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';

/** Every app of the repo, by folder under apps/: the image's `halo <app>` names. */
export const APPS = ['answerer', 'config', 'node-cache', 'node-guard', 'watcher'] as const;
export type AppName = (typeof APPS)[number];

export interface BundleOptions {
  /** The repository root. */
  root: string;
  /** Where `bin/<app>.mjs`, the chunks and `assets/` go; emptied first. */
  outDir: string;
  /** Minified with names kept (the default); false: as written, to read the bundle itself. */
  minify?: boolean;
}

export interface BundleResult {
  /** `bin/<app>.mjs` for every app. */
  entries: Record<AppName, string>;
  /** The files copied into `assets/`, by the source path that referred to them. */
  assets: Map<string, string>;
  bytes: number;
}

export class BundleError extends Error {
  readonly code = 'BUNDLE_FAILED';
}

const urlReference = /new URL\((['"])(\.{1,2}\/[^'"]+)\1,\s*import\.meta\.url\)/g;
const addonReference = /require\((['"])(\.{1,2}\/[^'"]+\.node)\1\)/g;

/** Rewrites the references of one source file; pure, so that the rules are testable apart from esbuild. */
export function rewriteAssetReferences(source: string, place: (relativePath: string) => string): string {
  return source
    .replace(urlReference, (_m, q: string, rel: string) => `new URL(${q}${place(rel)}${q}, import.meta.url)`)
    .replace(addonReference, (_m, q: string, rel: string) => `require(${q}${place(rel)}${q})`);
}

/**
 * Node's own modules as CommonJS, not as ES modules. An `import` of a built-in builds its namespace
 * from every export, and some exports are getters that load more: `http.WebSocket` loads undici (74
 * modules), `util.diff` the assert internals, `fs.promises` readline and the REPL history, `crypto.webcrypto`
 * all of WebCrypto. Through `process.getBuiltinModule` and esbuild's CommonJS interop an export is read
 * when the code uses it. (~11 MB resident for `node:http` alone.)
 */
function lazyBuiltinsPlugin(): Plugin {
  const builtins = new Set(builtinModules.filter((m) => !m.startsWith('_')));
  return {
    name: 'halo-lazy-builtins',
    setup(b) {
      b.onResolve({ filter: /^[a-z_/:]+$/ }, (args) => {
        const name = args.path.replace(/^node:/, '');
        return builtins.has(name) ? { path: name, namespace: 'halo-builtin' } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'halo-builtin' }, (args) => ({
        contents: `module.exports = process.getBuiltinModule(${JSON.stringify(`node:${args.path}`)});`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Parts of dependencies that no app uses and that cost memory merely by being loaded: the bundle holds a
 * function in their place that throws, with why, when something calls it.
 */
const LEFT_OUT: readonly { package: string; request: string; why: string }[] = [
  // The index requires it at load; it requires https, TLS and zlib: ~4 MB resident in the guard.
  { package: 'prom-client', request: './lib/pushgateway', why: 'no app pushes metrics; they are scraped' },
];

export function leftOutPlugin(): Plugin {
  return {
    name: 'halo-left-out',
    setup(b) {
      for (const part of LEFT_OUT) {
        const filter = new RegExp(`^${part.request.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
        b.onResolve({ filter }, (args) =>
          args.importer.includes(`/node_modules/${part.package}/`)
            ? { path: `${part.package}:${part.request}`, namespace: 'halo-left-out', pluginData: part.why }
            : undefined,
        );
      }
      b.onLoad({ filter: /.*/, namespace: 'halo-left-out' }, (args) => {
        const message = `${args.path} is left out of the bundle (tools/image/src/bundle.ts): ${String(args.pluginData)}`;
        return { contents: `module.exports = function leftOut() { throw new Error(${JSON.stringify(message)}); };`, loader: 'js' };
      });
    },
  };
}

function assetsPlugin(root: string, outDir: string, assets: Map<string, string>): Plugin {
  const taken = new Map<string, string>();
  return {
    name: 'halo-assets',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes('/node_modules/') || !args.path.startsWith(root)) return undefined;
        const source = await readFile(args.path, 'utf8');
        const copies: [string, string][] = [];
        const contents = rewriteAssetReferences(source, (rel) => {
          const from = resolve(dirname(args.path), rel);
          // Two different files of one name get the second a prefix of its package folder.
          let name = basename(from);
          const owner = taken.get(name);
          if (owner !== undefined && owner !== from) name = `${basename(dirname(dirname(from)))}-${name}`;
          taken.set(name, from);
          copies.push([from, join(outDir, 'assets', name)]);
          assets.set(relative(root, from), `assets/${name}`);
          // Chunks and entries all live in bin/.
          return `../assets/${name}`;
        });
        for (const [from, to] of copies) {
          try {
            await stat(from);
          } catch {
            return {
              errors: [
                {
                  text: `${relative(root, args.path)} refers to ${relative(root, from)}, which does not exist${from.endsWith('.node') ? ' (build it: npm run build:native)' : ''}`,
                },
              ],
            };
          }
          await mkdir(dirname(to), { recursive: true });
          await copyFile(from, to);
        }
        return { contents, loader: 'ts' };
      });
    },
  };
}

export async function bundleApps(options: BundleOptions): Promise<BundleResult> {
  const root = resolve(options.root);
  const outDir = resolve(options.outDir);
  await rm(outDir, { recursive: true, force: true });
  const assets = new Map<string, string>();
  const minify = options.minify ?? true;
  let result;
  try {
    result = await build({
      entryPoints: APPS.map((app) => ({ in: join(root, 'apps', app, 'src', 'main.ts'), out: app })),
      outdir: join(outDir, 'bin'),
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node24',
      // Minified, names kept (stack traces and the logged type of an error read as in the source): V8
      // holds every loaded file's text for compiling functions on first call, and minified it is less
      // than half (the node cache held 2.9 MB of it at rest, unminified). The map beside each file gives
      // the source lines back under NODE_OPTIONS=--enable-source-maps; it names the sources, without
      // their text.
      minifyWhitespace: minify,
      minifySyntax: minify,
      sourcemap: 'linked',
      sourcesContent: false,
      legalComments: 'none',
      // CommonJS dependencies require() Node's own modules; an ES module has no `require` of its own.
      banner: { js: "import { createRequire as __haloCreateRequire } from 'node:module';\nconst require = __haloCreateRequire(import.meta.url);" },
      metafile: true,
      logLevel: 'silent',
      plugins: [assetsPlugin(root, outDir, assets), lazyBuiltinsPlugin(), leftOutPlugin()],
    });
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? [];
    const text = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join('\n');
    throw new BundleError(`cannot bundle the apps:\n${text || (error as Error).message}`);
  }
  const bytes = Object.entries(result.metafile.outputs).reduce((sum, [file, o]) => (file.endsWith('.map') ? sum : sum + o.bytes), 0);
  const entries = Object.fromEntries(APPS.map((app) => [app, join(outDir, 'bin', `${app}.mjs`)])) as Record<AppName, string>;
  return { entries, assets, bytes };
}
