import { expect, it } from 'vitest';
import { loadServer, type DnsServer } from '../src/index.ts';
import { decode, freePort, MemoryRecordSets, query, service, udpExchange } from './helpers.ts';

/** Two servers of web.shop on one port (SO_REUSEPORT). */
async function twoServersOnOnePort(): Promise<{ port: number; servers: DnsServer[] }> {
  const port = await freePort();
  const source = new MemoryRecordSets([service('shop', 'web', { clusterIPs: ['10.96.0.10'] })]);
  const servers: DnsServer[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await loadServer('cluster.local {\n  kubernetes\n}\n', { context: { recordSets: source }, listen: { host: '127.0.0.1', port }, reusePort: true });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    servers.push(r.server);
  }
  return { port, servers };
}

it('two servers share one port with reusePort, and both answer while one closes', async () => {
  const { port, servers } = await twoServersOnOnePort();
  expect(servers.map((s) => s.addresses()[0].port)).toEqual([port, port]);
  await servers[0].close();
  expect(decode(await udpExchange(port, query('web.shop.svc.cluster.local', 'A'))).answers).toHaveLength(1);
  await servers[1].close();
});

it('drain: of two servers on one port, one drains under a steady stream of queries and none is lost', async () => {
  const { port, servers } = await twoServersOnOnePort();
  // Each query from a new socket (a new source port, so both servers get some), asked once: no retry.
  let running = true;
  let asked = 0;
  const lost: string[] = [];
  const client = async (n: number) => {
    for (let i = 0; running; i++) {
      // Known names come from the fast path, unknown ones run the plugin chain.
      const name = i % 2 === 0 ? 'web.shop.svc.cluster.local' : `gone-${n}-${i}.shop.svc.cluster.local`;
      asked++;
      if ((await udpExchange(port, query(name, 'A'), 1000)) === null) lost.push(name);
    }
  };
  const clients = Array.from({ length: 16 }, (_, n) => client(n));
  await new Promise((resolve) => setTimeout(resolve, 300));
  await servers[0].drain();
  await new Promise((resolve) => setTimeout(resolve, 300));
  running = false;
  await Promise.all(clients);
  expect(asked).toBeGreaterThan(100);
  expect(lost).toEqual([]);
  // The survivor answers alone.
  expect(decode(await udpExchange(port, query('web.shop.svc.cluster.local', 'A'))).answers).toHaveLength(1);
  await servers[1].close();
});

it('without reusePort a taken port is an error value, not a throw', async () => {
  const port = await freePort();
  const first = await loadServer('cluster.local {\n  kubernetes\n}\n', { context: {}, listen: { host: '127.0.0.1', port } });
  if (!first.ok) throw new Error(JSON.stringify(first.errors));
  const second = await loadServer('cluster.local {\n  kubernetes\n}\n', { context: {}, listen: { host: '127.0.0.1', port } });
  expect(second.ok).toBe(false);
  expect(!second.ok && second.errors[0].message).toContain(`cannot listen on 127.0.0.1:${port}`);
  await first.server.close();
});
