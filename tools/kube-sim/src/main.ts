// CLI: node tools/kube-sim/src/main.ts --port 16443 --seed FILE [--seed FILE] [--host H] [--history-limit N] [--bookmark-interval-ms N]
// SIGHUP: every watch ends and the history is dropped, as an API server restart (informers relist).
import { parseArgs } from 'node:util';
import { startKubeSim } from './kube-sim.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '16443' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', multiple: true, default: [] },
    'history-limit': { type: 'string' },
    'bookmark-interval-ms': { type: 'string' },
  },
});

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`${JSON.stringify({ ready: false, error: `--${name} must be a non-negative integer, got "${text}"` })}\n`);
    process.exit(2);
  }
  return n;
}

try {
  const sim = await startKubeSim({
    port: integer('port', values.port),
    host: values.host,
    seedFiles: values.seed,
    historyLimit: integer('history-limit', values['history-limit']),
    bookmarkIntervalMs: integer('bookmark-interval-ms', values['bookmark-interval-ms']),
  });
  process.stdout.write(`${JSON.stringify({ ready: true, url: sim.url, port: sim.port })}\n`);
  const stop = (): void => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // kill -HUP: as an API server restart looks to its clients: every watch ends, and a watch from
  // before gets 410 Gone, so informers list everything again.
  process.on('SIGHUP', () => {
    sim.compact();
    sim.closeWatches();
    process.stdout.write(`${JSON.stringify({ restarted: true })}\n`);
  });
} catch (error) {
  const e = error as { code?: string; message: string };
  process.stderr.write(`${JSON.stringify({ ready: false, code: e.code, error: e.message })}\n`);
  process.exit(1);
}
