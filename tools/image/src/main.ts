#!/usr/bin/env node
// npm run image: builds the one image of every app; `bundle DIR` is the Containerfile's build step.
import { fileURLToPath } from 'node:url';
import { configOrExit } from '@halo/cli';
import { buildImage } from './build.ts';
import { bundleApps } from './bundle.ts';
import { readConfig } from './config.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const config = configOrExit(readConfig(process.argv.slice(2)));
const log = (line: string) => console.error(`image: ${line}`);

try {
  if (config.command === 'bundle') {
    const result = await bundleApps({ root, outDir: config.outDir });
    log(
      `bundled ${Object.keys(result.entries).length} apps into ${config.outDir} (${(result.bytes / 2 ** 20).toFixed(1)} MB, assets: ${[...result.assets.values()].join(', ')})`,
    );
  } else {
    const built = await buildImage({ root, ...config, log });
    const size = built.size === null ? '' : ` (${(built.size / 1e6).toFixed(0)} MB)`;
    log(
      `built ${built.tag}${size} with ${built.engine}; run: ${built.engine === 'buildah' ? 'buildah from' : `${built.engine} run --rm`} ${built.tag} … halo <app> --help`,
    );
    console.log(built.tag);
  }
} catch (error) {
  console.error(`image: ${(error as Error).message}`);
  process.exit(1);
}
