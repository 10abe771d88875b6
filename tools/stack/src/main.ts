#!/usr/bin/env node
// npm start: the whole system on one machine. Ctrl-C stops everything it started.
import { parseArgs } from 'node:util';
import { startStack, type PodsMode } from './stack.ts';

const usage = `Usage: npm start -- [options]
  --manifests FILE                    seed kube-sim from this YAML instead of the demo cluster
  --kube-port N                       kube-sim's port (default 16443)
  --dns-port N                        the answerer pool's port (default 1053)
  --cache-port N                      the node cache's port (default 1054)
  --config-port N                     the config service's API and page (default 18080)
  --pods insecure|verified|disabled   the kubernetes plugin's pods mode (default insecure)
  env HALO_CONFIG_TOKEN               the config service's write token (default: generated and printed)`;

let values;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      manifests: { type: 'string' },
      'kube-port': { type: 'string', default: '16443' },
      'dns-port': { type: 'string', default: '1053' },
      'cache-port': { type: 'string', default: '1054' },
      'config-port': { type: 'string', default: '18080' },
      pods: { type: 'string', default: 'insecure' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  console.error(`${(err as Error).message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const port = (flag: string, value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`--${flag}: not a port: ${value}`);
    process.exit(2);
  }
  return n;
};
const pods = values.pods;
if (pods !== 'insecure' && pods !== 'verified' && pods !== 'disabled') {
  console.error(`--pods: must be insecure, verified or disabled, not ${pods}`);
  process.exit(2);
}

console.log('starting nats-server, kube-sim, the watcher, two answerers, the node cache and the config service…');
const stack = await startStack({
  manifests: values.manifests,
  kubePort: port('kube-port', values['kube-port']),
  dnsPort: port('dns-port', values['dns-port']),
  cachePort: port('cache-port', values['cache-port']),
  configPort: port('config-port', values['config-port']),
  pods: pods as PodsMode,
}).catch((err: Error) => {
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
