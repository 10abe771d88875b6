#!/usr/bin/env node
// Builds native/udp.c into build/udp.node with the machine's C compiler. Run by the root `postinstall`
// and by hand (`npm run build:native`). Never fails the install: without a compiler, or off Linux, the
// servers use node:dgram and say so when they start.
// Plain JavaScript on purpose: npm may run it with whichever Node it found first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(root, 'native', 'udp.c');
const target = join(root, 'build', 'udp.node');
const strict = process.argv.includes('--strict');

function give(message) {
  console.error(`@halo/udp: ${message}; the DNS servers will use node:dgram`);
  process.exit(strict ? 1 : 0);
}

// N-API and libuv headers: N-API is ABI-stable and libuv's handles keep their layout within 1.x, so
// the headers of any Node install serve: the repo's `node` package, the Node running us or npm, npm's
// `nodedir`, the system's.
function includeDirs() {
  const prefixOf = (binary) => dirname(dirname(realpathSync(binary)));
  const candidates = [join(prefixOf(process.execPath), 'include', 'node')];
  if (process.env.npm_node_execpath) candidates.push(join(prefixOf(process.env.npm_node_execpath), 'include', 'node'));
  if (process.env.npm_config_nodedir) candidates.push(join(process.env.npm_config_nodedir, 'include', 'node'));
  candidates.push('/usr/local/include/node', '/usr/include/node');
  try {
    const require = createRequire(join(root, '..', '..', 'package.json'));
    const nodePackage = dirname(require.resolve('node/package.json'));
    const requireFromNode = createRequire(join(nodePackage, 'package.json'));
    const binary = dirname(requireFromNode.resolve(`node-${process.platform}-${process.arch}/package.json`));
    candidates.unshift(join(binary, 'include', 'node'));
  } catch {
    // No `node` package: the running Node's headers are the only candidate.
  }
  return candidates.filter((dir) => existsSync(join(dir, 'node_api.h')) && existsSync(join(dir, 'uv.h')));
}

if (process.platform !== 'linux') give('recvmmsg/sendmmsg are Linux only');
if (existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs && !process.argv.includes('--force')) process.exit(0);
const include = includeDirs()[0];
if (!include) give('no Node headers (node_api.h, uv.h) found');
const cc = process.env.CC ?? 'cc';
mkdirSync(dirname(target), { recursive: true });
const result = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-shared', '-fPIC', '-o', target, `-I${include}`, source], { stdio: 'inherit' });
if (result.error) give(`${cc} not found (${result.error.message})`);
if (result.status !== 0) give(`${cc} failed (exit ${result.status})`);
console.log(`@halo/udp: built ${target} (headers: ${include})`);
