#!/usr/bin/env node
// A real control plane for trying Halo by hand: `npm start -- --kubeconfig FILE` against it. Ctrl-C stops it.
import { copyFile } from 'node:fs/promises';
import { configOrExit, onStop } from '@halo/cli';
import { readConfig } from './config.ts';
import { startControlPlane } from './control-plane.ts';

const config = configOrExit(readConfig(process.argv.slice(2)));
const plane = await startControlPlane({ port: config.port }).catch((error: Error) => {
  console.error(`the control plane did not start: ${error.message}`);
  process.exit(1);
});
onStop(() => {
  console.log('stopping…');
  return plane.stop();
});
try {
  for (const seed of config.seeds) await plane.kubectl(['create', '-f', seed]);
  if (config.kubeconfig) await copyFile(plane.kubeconfig, config.kubeconfig);
} catch (error) {
  console.error((error as Error).message);
  await plane.stop();
  process.exit(1);
}
const kubeconfig = config.kubeconfig ?? plane.kubeconfig;
console.log(JSON.stringify({ ready: true, url: plane.url, kubeconfig }));
console.log(`kube-apiserver  ${plane.url}   try: ${plane.binaries.kubectl} --kubeconfig ${kubeconfig} get services -A`);
console.log(`Halo against it: npm start -- --kubeconfig ${kubeconfig}`);
console.log('Ctrl-C stops it and removes its data.');
