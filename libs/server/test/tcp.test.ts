import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadServer, type DnsServer } from '../src/index.ts';
import { decode, MemoryRecordSets, query, service, tcpExchange } from './helpers.ts';

let server: DnsServer;
let port: number;

beforeAll(async () => {
  const source = new MemoryRecordSets([service('shop', 'web', { clusterIPs: ['10.96.0.10'] })]);
  const r = await loadServer('cluster.local {\n  kubernetes\n}\n', {
    context: { recordSets: source },
    listen: { host: '127.0.0.1', port: 0 },
    tcpIdleMs: 300,
    tcpMaxConnections: 2,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  server = r.server;
  port = server.addresses()[0].port;
});
afterAll(() => server?.close());

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

const closed = (s: net.Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

it('closes an idle connection', async () => {
  const s = await connect();
  await closed(s);
  expect(s.destroyed).toBe(true);
});

it('refuses connections beyond the limit and still serves the others', async () => {
  const held = [await connect(), await connect()];
  // The third handshake may complete in the kernel, but the server drops it unanswered.
  const third = await connect().catch(() => null);
  let answered = false;
  if (third) {
    third.on('data', () => (answered = true));
    third.on('error', () => undefined);
    const q = query('web.shop.svc.cluster.local', 'A');
    third.write(Buffer.concat([Buffer.from([q.length >> 8, q.length & 255]), q]));
    await closed(third);
  }
  expect(answered).toBe(false);
  for (const s of held) s.destroy();
  await Promise.all(held.map(closed));
  // The server learns of the closes a moment later: poll until a new connection is served.
  let reply: Buffer | null = null;
  for (let i = 0; i < 50 && !reply; i++) reply = (await tcpExchange(port, [query('web.shop.svc.cluster.local', 'A')]).catch(() => [null]))[0];
  expect(decode(reply).answers).toHaveLength(1);
});
