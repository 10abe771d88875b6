// An answerer answers only from a complete zone: a bucket still being written (no marker of a complete
// sync yet) gets it neither ready nor bound; the marker does both, and every name written is answered.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectBus, ZoneWriter } from '@halo/bus';
import { freePort, query, spawnProcess, startNatsServer, waitFor, type ChildHandle, type NatsServer } from '@halo/testing';
import type { RecordSet } from '@halo/zone';

const main = new URL('../src/main.ts', import.meta.url).pathname;
let nats: NatsServer;
let nc: Awaited<ReturnType<typeof connectBus>>;
let answerer: ChildHandle | undefined;

const service = (name: string, ip: string): RecordSet => ({
  kind: 'Service',
  namespace: 'shop',
  name,
  type: 'ClusterIP',
  clusterIPs: [ip],
  ports: [],
  publishNotReadyAddresses: false,
  labels: {},
  endpoints: [],
});

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  nc = await connectBus({ servers: nats.url, name: 'test-watcher' });
});
afterAll(async () => {
  await answerer?.kill('SIGTERM');
  await nc?.close();
  await nats?.stop();
});

it('is neither ready nor bound until the zone is marked complete, then answers every name written', async () => {
  const writer = await ZoneWriter.open(nc);
  // The watcher has written part of the zone.
  await writer.put('svc.shop.first', service('first', '10.96.0.11'), []);
  const dnsPort = await freePort({ udp: true });
  const adminPort = await freePort();
  answerer = await spawnProcess(
    main,
    [
      '--nats',
      nats.url,
      '--dns-host',
      '127.0.0.1',
      '--dns-port',
      String(dnsPort),
      '--admin-host',
      '127.0.0.1',
      '--admin-port',
      String(adminPort),
      '--workers',
      '1',
      '--instance',
      'partial',
    ],
    { readyLine: /waiting for the watcher to complete the zone/, timeoutMs: 60_000 },
  );
  const ready = async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => null))?.status;
  const asked = async (name: string) => query({ host: '127.0.0.1', port: dnsPort }, name, 'A', { timeoutMs: 300 }).catch(() => null);

  // The admin port is up, but not ready; DNS is not bound: a name not written yet is not denied.
  await waitFor(async () => (await ready()) === 503, { message: '/readyz never answered 503' });
  expect(await asked('second.shop.svc.cluster.local')).toBeNull();
  expect(await asked('first.shop.svc.cluster.local')).toBeNull();

  // The rest of the zone, then the marker.
  const last = await writer.put('svc.shop.second', service('second', '10.96.0.12'), []);
  expect(await ready()).toBe(503);
  await writer.markComplete({ revision: last, keys: 2, writer: 'test' });
  await answerer.waitForLine(/"ready":true/, 30_000);
  expect(await ready()).toBe(200);
  for (const [name, ip] of [
    ['first', '10.96.0.11'],
    ['second', '10.96.0.12'],
  ]) {
    const response = await asked(`${name}.shop.svc.cluster.local`);
    expect(response?.answers?.map((a) => (a.type === 'A' ? a.data : ''))).toEqual([ip]);
  }
  expect((await asked('third.shop.svc.cluster.local'))?.rcode).toBe('NXDOMAIN');
});
