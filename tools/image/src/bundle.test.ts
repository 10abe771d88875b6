import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { APPS, bundleApps, leftOutPlugin, rewriteAssetReferences, type BundleResult } from './bundle.ts';

const run = promisify(execFile);

describe('rewriteAssetReferences', () => {
  const place = (rel: string) => `../assets/${rel.split('/').pop()}`;
  it.each<[string, string]>([
    ["readFileSync(new URL('./kubeadm.Corefile', import.meta.url))", "readFileSync(new URL('../assets/kubeadm.Corefile', import.meta.url))"],
    ['new URL("../page/index.html", import.meta.url)', 'new URL("../assets/index.html", import.meta.url)'],
    ["require('../build/udp.node')", "require('../assets/udp.node')"],
    // Not files beside the code: left as they are.
    ["new URL('https://example.com/x', import.meta.url)", "new URL('https://example.com/x', import.meta.url)"],
    ["require('node:dgram')", "require('node:dgram')"],
    ["new URL('./x.json', base)", "new URL('./x.json', base)"],
  ])('%s', (source, rewritten) => {
    expect(rewriteAssetReferences(source, place)).toBe(rewritten);
  });
});

describe('bundleApps', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  let work: string;
  let bundle: BundleResult;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'halo-bundle-'));
    bundle = await bundleApps({ root, outDir: join(work, 'out') });
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  // An ES `import` of `node:http` reads every export, and `http.WebSocket` loads undici (~11 MB resident
  // for a client nobody calls): the bundles take Node's modules as CommonJS, read when used. The guard
  // talks to nothing over TLS: prom-client's Pushgateway, which would load https, is left out; nor does
  // it need OpenSSL for anything (its probe's message ID is no secret).
  const mustNotLoad = (app: string): RegExp => (app === 'node-guard' ? /undici|^NativeModule (https|tls|crypto)$/ : /undici/);

  it.each(APPS)('%s starts without loading what it does not use', async (app) => {
    const report = join(work, `${app}.modules`);
    const hook = join(work, `${app}.hook.mjs`);
    await writeFile(
      hook,
      `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(report)}, process.moduleLoadList.join('\\n')));\n`,
    );
    // --help: every static import is evaluated, then the app prints its flags and exits 0.
    const { stdout } = await run(process.execPath, ['--import', hook, bundle.entries[app], '--help'], {
      env: { ...process.env, HALO_NODE_GUARD_V8_FLAGS: '' },
    });
    expect(stdout).toMatch(/^Usage: /m);
    const loaded = (await readFile(report, 'utf8')).split('\n');
    expect(loaded).toContain('NativeModule http');
    expect(loaded.filter((m) => mustNotLoad(app).test(m))).toEqual([]);
  });

  // Minified, but an operator's stack trace still names the function, and with source maps on, the line.
  it('keeps function names, and its maps lead a bundle position back to the source line', async () => {
    const bin = join(work, 'out', 'bin');
    const files = (await readdir(bin)).filter((f) => f.endsWith('.mjs'));
    const texts = await Promise.all(files.map((f) => readFile(join(bin, f), 'utf8')));
    const at = texts.findIndex((t) => t.includes('function decodeQuery('));
    expect(at).toBeGreaterThanOrEqual(0);
    const file = join(bin, files[at] ?? '');
    const script = [
      "import { findSourceMap } from 'node:module';",
      "import { readFileSync } from 'node:fs';",
      `const file = ${JSON.stringify(file)};`,
      'await import(file);',
      "const lines = readFileSync(file, 'utf8').split('\\n');",
      "const line = lines.findIndex((l) => l.includes('function decodeQuery('));",
      "const entry = findSourceMap(file)?.findEntry(line, lines[line].indexOf('function decodeQuery('));",
      'console.log(JSON.stringify(entry));',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script]);
    const entry = JSON.parse(stdout) as { originalSource?: string; originalLine?: number };
    const source = (await readFile(join(root, 'libs/dns/src/decode.ts'), 'utf8')).split('\n');
    expect(entry.originalSource).toMatch(/\/libs\/dns\/src\/decode\.ts$/);
    expect(source[entry.originalLine ?? -1]).toMatch(/function decodeQuery\(/);
  });
});

describe('leftOutPlugin', () => {
  it('puts a function that throws, saying why, in the place of a part left out', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const out = await build({
      stdin: {
        contents: "const { Pushgateway } = require('prom-client');\ntry { new Pushgateway('http://127.0.0.1:9091'); } catch (e) { console.log(e.message); }",
        resolveDir: root,
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      logLevel: 'silent',
      plugins: [leftOutPlugin()],
    });
    const code = out.outputFiles[0]?.text ?? '';
    expect(code).not.toContain('gzipSync');
    const dir = await mkdtemp(join(tmpdir(), 'halo-left-out-'));
    const file = join(dir, 'push.cjs');
    await writeFile(file, code);
    const { stdout } = await run(process.execPath, [file]).finally(() => rm(dir, { recursive: true, force: true }));
    expect(stdout.trim()).toBe('prom-client:./lib/pushgateway is left out of the bundle (tools/image/src/bundle.ts): no app pushes metrics; they are scraped');
  });
});
