#!/usr/bin/env node
// The answerer: KV halo-zone in, DNS answers out, on UDP and TCP, as one of a stateless pool. With
// --workers N it forks N answerers sharing the DNS port (SO_REUSEPORT), one per core, and serves the
// admin port itself: ready once every worker is, metrics summed over the workers (on the admin port and
// on the Corefile's `prometheus` port alike, whichever worker takes the scrape).
// First: re-executes with the answerer's V8 flags before anything else loads.
import './with-v8-flags.ts';
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { configOrExit } from '@halo/cli';
import { validateCorefile } from '@halo/server';
import { createLogger, startAdminServer } from '@halo/telemetry';
import { readConfig } from './config.ts';
import { runAnswerer } from './run.ts';

const config = configOrExit(readConfig(process.argv.slice(2), process.env));
const corefileErrors = validateCorefile(config.corefile.text, config.corefile.file);
if (corefileErrors.length > 0) {
  for (const e of corefileErrors) console.error(`${e.file}:${e.line}:${e.column}: ${e.message}`);
  process.exit(2);
}

type WorkerMessage = { type: 'ready'; dns: unknown } | { type: 'metrics'; id: number };

if (config.workers === 1) {
  const answerer = await runAnswerer(config, {
    admin: true,
    onReady: ({ dns, admin }) => console.log(JSON.stringify({ ready: true, app: 'answerer', instance: config.instance, dns, admin })),
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void answerer.shutdown(signal).then(() => process.exit(0)));
} else if (cluster.isWorker) {
  const index = Number(process.env.HALO_WORKER_INDEX ?? cluster.worker?.id ?? 0);
  const answerer = await runAnswerer(
    { ...config, instance: `${config.instance}-w${index}` },
    { admin: false, onReady: ({ dns }) => process.send?.({ type: 'ready', dns } satisfies WorkerMessage) },
  );
  // The primary sends the signal on; a worker stops cleanly on its own.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void answerer.shutdown(signal).then(() => process.exit(0)));
} else {
  const logger = createLogger('answerer', { instance: config.instance, role: 'primary' });
  const registry = new AggregatorRegistry();
  const ready = new Set<number>();
  let stopping = false;
  let announced = false;
  const fork = (index: number) => {
    const worker = cluster.fork({ HALO_WORKER_INDEX: String(index), POD_NAME: config.instance });
    worker.on('message', (message: WorkerMessage) => {
      // A worker's `prometheus` took a scrape: it serves the sum over every worker.
      if (message?.type === 'metrics') {
        registry.clusterMetrics().then(
          (body) => worker.send({ type: 'metrics', id: message.id, contentType: registry.contentType, body }),
          (err: unknown) => worker.send({ type: 'metrics', id: message.id, error: err instanceof Error ? err.message : String(err) }),
        );
        return;
      }
      if (message?.type !== 'ready') return;
      ready.add(index);
      if (ready.size === config.workers && !announced) {
        announced = true;
        console.log(JSON.stringify({ ready: true, app: 'answerer', instance: config.instance, workers: config.workers, dns: message.dns, admin: admin.port }));
      }
    });
    // A worker that dies is replaced; the others keep the port answered meanwhile.
    worker.on('exit', (code, signal) => {
      ready.delete(index);
      if (stopping) return;
      logger.error({ index, code, signal }, 'worker died; starting it again');
      setTimeout(() => fork(index), 250);
    });
  };
  const admin = await startAdminServer({
    host: config.adminHost,
    port: config.adminPort,
    logger,
    registry: { contentType: registry.contentType, metrics: () => registry.clusterMetrics() },
    isReady: () => ready.size === config.workers,
  });
  for (let i = 0; i < config.workers; i++) fork(i);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      const workers = Object.values(cluster.workers ?? {});
      let left = workers.length;
      const done = () => void admin.close().then(() => process.exit(0));
      if (left === 0) done();
      for (const worker of workers) {
        worker?.once('exit', () => --left === 0 && done());
        worker?.process.kill(signal);
      }
    });
  }
}
