// TCP under abuse from one client (RFC 7766 sections 6.2.3 and 10): slow senders that hold every slot,
// and pipelined queries whose answers are never read. Real sockets on loopback; a second client address
// (127.0.0.2) plays the attacker.
import net from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@halo/testing';
import { loadServer, type DnsServer } from '../src/index.ts';
import { defaultTcpLimits, type TcpLimits } from '../src/tcp-listener.ts';
import { decode, MemoryRecordSets, query, service } from './helpers.ts';

const attacker = '127.0.0.2';
const user = '127.0.0.1';
let server: DnsServer | null = null;
const sockets: net.Socket[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = null;
});

async function start(tcp: Partial<TcpLimits> = {}): Promise<{ port: number; registry: Registry }> {
  const registry = new Registry();
  const endpoints = Array.from({ length: 20 }, (_, i) => ({ addresses: [`10.244.1.${i + 1}`], ready: true, ports: [] }));
  const source = new MemoryRecordSets([service('shop', 'web', { clusterIPs: ['10.96.0.10'] }), service('shop', 'many', { type: 'Headless', endpoints })]);
  const r = await loadServer('cluster.local {\n  kubernetes\n}\n', {
    context: { recordSets: source, metrics: registry },
    listen: { host: '127.0.0.1', port: 0 },
    tcp,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  server = r.server;
  return { port: server.addresses()[0].port, registry };
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return Number.NaN;
  const { values } = await m.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((sum, v) => sum + v.value, 0);
}

const framed = (q: Buffer) => Buffer.concat([Buffer.from([q.length >> 8, q.length & 255]), q]);

/** Connects from `from`; resolves with the socket, or null when the server refused or dropped it. */
function connect(port: number, from: string): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
    sockets.push(s);
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(null));
    s.once('close', () => resolve(null));
  });
}

/** One query over a fresh connection from `from`, as a well-behaved client asks. */
async function ask(port: number, from: string, name = 'web.shop.svc.cluster.local'): Promise<Buffer> {
  const s = await connect(port, from);
  if (!s) throw new Error('connection refused');
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        s.destroy();
        resolve(got.subarray(2, 2 + got.readUInt16BE(0)));
      }
    });
    s.on('close', () => reject(new Error('closed before an answer')));
    s.write(framed(query(name, 'A')));
  });
}

/** `count` connections from the attacker, each sending one byte of a query every `everyMs`, never a whole one in time. */
async function slowSenders(port: number, count: number, everyMs: number): Promise<net.Socket[]> {
  const held = (await Promise.all(Array.from({ length: count }, () => connect(port, attacker)))).filter((s): s is net.Socket => s !== null);
  const message = framed(query('web.shop.svc.cluster.local', 'A'));
  let at = 0;
  timers.push(
    setInterval(() => {
      // Bounded: one byte per tick, and never the last byte of the message.
      if (at >= message.length - 1) return;
      for (const s of held) if (!s.destroyed) s.write(message.subarray(at, at + 1));
      at++;
    }, everyMs),
  );
  return held;
}

describe('TCP: slow senders from one client', () => {
  it('1 000 slow connections from one client leave a well-behaved client its answer, and are closed by the message deadline', async () => {
    const { port, registry } = await start({ messageMs: 1_500 });
    await slowSenders(port, 1_000, 200);
    // The attacker holds at most its share, whatever it opened (the kernel's backlog hands them over a little later).
    await waitFor(
      async () => (await metric(registry, 'halo_dns_tcp_closed_total', { reason: 'client_limit' })) >= 1_000 - defaultTcpLimits.maxConnectionsPerClient,
      { timeoutMs: 20_000 },
    );
    expect(await metric(registry, 'halo_dns_tcp_connections')).toBeLessThanOrEqual(defaultTcpLimits.maxConnectionsPerClient);
    expect(decode(await ask(port, user)).answers).toHaveLength(1);
    // One byte at a time does not keep a slot: the message deadline closes every slow connection.
    await waitFor(async () => (await metric(registry, 'halo_dns_tcp_connections')) === 0, { timeoutMs: 20_000, message: 'slow connections were never closed' });
    expect(await metric(registry, 'halo_dns_tcp_closed_total', { reason: 'message_deadline' })).toBeGreaterThanOrEqual(1);
  });

  it('a full listener makes room for another client by closing an idle connection of the biggest holder', async () => {
    const { port, registry } = await start({ maxConnections: 50, maxConnectionsPerClient: 1_000, messageMs: 30_000 });
    await slowSenders(port, 200, 1_000);
    await waitFor(async () => (await metric(registry, 'halo_dns_tcp_connections')) === 50);
    expect(decode(await ask(port, user)).answers).toHaveLength(1);
    expect(await metric(registry, 'halo_dns_tcp_closed_total', { reason: 'evicted' })).toBeGreaterThanOrEqual(1);
  });
});

describe('TCP: pipelined answers nobody reads', () => {
  it('stops reading a connection whose answers wait, so what the server holds stays under its bound', async () => {
    const { port, registry } = await start();
    // The stated bound: per connection, maxUnsentBytes plus the answers of the queries in flight and the
    // one that crossed it (a headless answer of 20 A records is < 1 KiB).
    const connections = 4;
    const bound = connections * (defaultTcpLimits.maxUnsentBytes + (defaultTcpLimits.maxInflight + 1) * 1024);
    const batch = Buffer.concat(Array.from({ length: 500 }, () => framed(query('many.shop.svc.cluster.local', 'A'))));
    const clients = await Promise.all(Array.from({ length: connections }, () => connect(port, user)));
    // Each client writes until the server has stopped reading it: its own unsent queries back up. Bounded at 64 MB each.
    await Promise.all(
      clients.map(async (s) => {
        if (!s) throw new Error('connection refused');
        s.pause();
        for (let written = 0; written < 64 * 1024 * 1024 && s.writableLength < 2 * 1024 * 1024; written += batch.length) {
          if (!s.write(batch)) await new Promise((resolve) => setTimeout(resolve, 5));
        }
        expect(s.writableLength).toBeGreaterThanOrEqual(2 * 1024 * 1024);
      }),
    );
    const unsent = await metric(registry, 'halo_dns_tcp_unsent_bytes');
    expect(unsent).toBeGreaterThan(0);
    expect(unsent).toBeLessThanOrEqual(bound);
    expect(await metric(registry, 'halo_dns_tcp_connections')).toBe(connections);
    // Once the clients read, the answers flow again.
    let answers = 0;
    for (const s of clients) s?.on('data', (chunk: Buffer) => (answers += chunk.length)).resume();
    await waitFor(() => answers > 1024 * 1024, { timeoutMs: 20_000, message: 'no answers after the clients read' });
  });
});
