#!/usr/bin/env node
// npm start: the whole system on one machine. Ctrl-C stops everything it started.
import { configOrExit } from '@halo/cli';
import { readConfig } from './config.ts';
import { startStack } from './stack.ts';

const config = configOrExit(readConfig(process.argv.slice(2)));

console.log('starting nats-server, kube-sim, the watcher, two answerers, the node cache and the config service…');
const stack = await startStack(config).catch((err: Error) => {
  console.error(`the stack did not start: ${err.message}`);
  process.exit(1);
});

const { host, port: dnsPort } = stack.dns;
console.log('ready');
console.log(`  DNS (answerer pool)  ${host}:${dnsPort}   try: dig @${host} -p ${dnsPort} web.shop.svc.cluster.local`);
console.log(`  DNS (node cache)     ${host}:${stack.cachePort}   try: dig @${host} -p ${stack.cachePort} web.shop.svc.cluster.local`);
console.log(`  kube-sim             ${stack.kubeUrl}   try: kubectl --server ${stack.kubeUrl} get services -A`);
console.log(`  config service       ${stack.config.url}   token (write role): ${stack.config.token}`);
console.log(`  NATS                 ${stack.natsUrl}`);
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
