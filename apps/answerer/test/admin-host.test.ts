// --admin-host holds for every HTTP endpoint of the answerer: its admin port, and the Corefile's health,
// ready and prometheus when their address names no host (they bound every address before).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectBus, ZoneWriter } from '@halo/bus';
import { freePort, spawnProcess, startNatsServer, type ChildHandle, type NatsServer } from '@halo/testing';

const main = new URL('../src/main.ts', import.meta.url).pathname;
let nats: NatsServer;
let answerer: ChildHandle;
const ports: Record<string, number> = {};

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  // An answerer binds only on a complete zone: what a watcher writes after syncing an empty cluster.
  const nc = await connectBus({ servers: nats.url, name: 'test-watcher' });
  await (await ZoneWriter.open(nc)).markComplete({ revision: 0, keys: 0, writer: 'test' });
  await nc.close();
  for (const name of ['dns', 'admin', 'health', 'ready', 'metrics']) ports[name] = await freePort({ udp: name === 'dns' });
  const dir = mkdtempSync(join(tmpdir(), 'answerer-admin-'));
  const corefile = join(dir, 'Corefile');
  writeFileSync(
    corefile,
    `.:53 {\n    health :${ports.health}\n    ready :${ports.ready}\n    prometheus :${ports.metrics}\n    kubernetes cluster.local\n}\n`,
  );
  answerer = await spawnProcess(
    main,
    [
      '--nats',
      nats.url,
      '--dns-host',
      '127.0.0.1',
      '--dns-port',
      String(ports.dns),
      '--admin-host',
      '127.0.0.2',
      '--admin-port',
      String(ports.admin),
      '--workers',
      '1',
      '--instance',
      'admin-host',
      '--corefile',
      corefile,
    ],
    { readyLine: /"ready":true/, timeoutMs: 60_000 },
  );
});
afterAll(async () => {
  await answerer?.kill('SIGTERM');
  await nats?.stop();
});

it.each([
  ['the admin port', 'admin', '/healthz'],
  ["the Corefile's health", 'health', '/health'],
  ["the Corefile's ready", 'ready', '/ready'],
  ["the Corefile's prometheus", 'metrics', '/metrics'],
])('%s listens on --admin-host only', async (_name, port, path) => {
  expect((await fetch(`http://127.0.0.2:${ports[port]}${path}`)).status).toBe(200);
  await expect(fetch(`http://127.0.0.1:${ports[port]}${path}`)).rejects.toThrow();
});
