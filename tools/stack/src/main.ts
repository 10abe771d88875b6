#!/usr/bin/env node
// npm start: the whole system on one machine. Ctrl-C stops everything it started.
import { dirname } from 'node:path';
import { configOrExit } from '@halo/cli';
import { findJaeger, jaegerMissingMessage } from '@halo/testing';
import { readConfig } from './config.ts';
import { startStack } from './stack.ts';

const config = configOrExit(readConfig(process.argv.slice(2)));
if (config.jaeger) {
  let found: string | null;
  try {
    found = findJaeger();
  } catch (err) {
    console.error(`--jaeger: ${(err as Error).message}`);
    process.exit(2);
  }
  if (!found) {
    console.error(`--jaeger: ${jaegerMissingMessage}`);
    process.exit(2);
  }
}

const { cluster } = config;
const source = cluster ? ('server' in cluster ? cluster.server : `${cluster.kubeconfig}${cluster.context ? ` (context ${cluster.context})` : ''}`) : 'kube-sim';
console.log(
  `starting ${config.jaeger ? 'Jaeger, ' : ''}${(config.natsNodes ?? 1) > 1 ? `${config.natsNodes} nats-servers` : 'nats-server'}, ${cluster ? '' : 'kube-sim, '}the watcher, two answerers, the node cache and the config service…`,
);
// A cluster of the user's is only watched: no Lease, no ConfigMaps or Secrets read, nothing written.
const stack = await startStack({ ...config, readOnly: cluster !== undefined, resolvConf: '/etc/resolv.conf' }).catch((err: Error) => {
  console.error(`the stack did not start: ${err.message}`);
  process.exit(1);
});

const { host, port: dnsPort } = stack.dns;
const example = cluster ? 'kubernetes.default.svc.cluster.local' : 'web.shop.svc.cluster.local';
console.log('ready');
console.log(`  DNS (answerer pool)  ${host}:${dnsPort}   try: dig @${host} -p ${dnsPort} ${example}`);
console.log(`  DNS (node cache)     ${host}:${stack.cachePort}   try: dig @${host} -p ${stack.cachePort} ${example}`);
console.log(`  answerers' own       ${stack.answerers.map((a) => `${a.host}:${a.port}`).join(' ')}   (what the node cache asks, as pod IPs)`);
if (cluster) console.log(`  cluster              ${stack.kubeUrl}   watched, read-only, from ${source}`);
else console.log(`  kube-sim             ${stack.kubeUrl}   try: kubectl --server ${stack.kubeUrl} get services -A`);
console.log(`  config service       ${stack.config.url}   token (write role): ${stack.config.token}`);
console.log(
  `  NATS                 ${stack.natsUrls.join(',')}   ${stack.natsServers.length > 1 ? `one cluster, ${stack.busReplicas} replicas of every bucket; ` : ''}users and passwords in ${dirname(stack.natsPasswordFiles.watcher)}`,
);
if (stack.jaeger) {
  console.log(`  Jaeger               ${stack.jaeger.queryUrl}   try: curl '${stack.jaeger.queryUrl}/api/traces?service=halo-watcher&lookback=1h'`);
}
console.log('Ctrl-C stops everything.');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping…');
    void stack.stop().then(() => process.exit(0));
  });
}
