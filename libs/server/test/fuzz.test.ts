import { afterAll, beforeAll, expect, it } from 'vitest';
import { sendWire } from '@halo/testing';
import { loadServer, type DnsServer } from '../src/index.ts';
import { decode, MemoryRecordSets, opt, query, service, udpExchange } from './helpers.ts';

let server: DnsServer;
let port: number;

beforeAll(async () => {
  const source = new MemoryRecordSets([service('shop', 'web', { clusterIPs: ['10.96.0.10'] })]);
  const r = await loadServer('cluster.local:53 {\n  errors\n  kubernetes\n  loadbalance\n}\n.:53 {\n  whoami\n}\n', {
    context: { recordSets: source },
    listen: { host: '127.0.0.1', port: 0 },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  server = r.server;
  port = server.addresses()[0].port;
});
afterAll(() => server?.close());

// A deterministic generator, so a failure can be replayed.
function generator(seed: number) {
  let x = seed;
  return (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x % n;
  };
}

function packets(count: number, seed: number): Buffer[] {
  const rnd = generator(seed);
  const seeds = [
    query('web.shop.svc.cluster.local', 'A'),
    query('web.shop.svc.cluster.local', 'SRV', { additionals: [opt(1232, 0x8000)] }),
    query('x.example', 'TXT'),
  ];
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 3 === 0) {
      out.push(Buffer.from(Array.from({ length: rnd(120) }, () => rnd(256))));
    } else {
      const p = Buffer.from(seeds[rnd(seeds.length)]);
      for (let k = 0; k <= rnd(5); k++) p[rnd(p.length)] = rnd(256);
      out.push(rnd(5) === 0 ? p.subarray(0, rnd(p.length)) : p);
    }
  }
  return out;
}

it('stays up under thousands of random and mutated UDP packets', async () => {
  const batch = packets(4000, 7);
  for (let i = 0; i < batch.length; i += 200) await sendWire({ port }, batch.slice(i, i + 200));
  // The server may still be working through the burst: poll until it answers a good query.
  let reply: Buffer | null = null;
  for (let i = 0; i < 20 && !reply; i++) reply = await udpExchange(port, query('web.shop.svc.cluster.local', 'A'), 500);
  expect(decode(reply).answers?.[0]).toMatchObject({ data: '10.96.0.10' });
});

it('stays up under random and mutated TCP streams', async () => {
  const batch = packets(1500, 11);
  const rnd = generator(3);
  for (let c = 0; c < 30; c++) {
    // Half the connections frame their garbage properly, half send raw bytes; the last bytes may be cut.
    const chunk = batch.slice(c * 50, c * 50 + 50);
    const bytes = c % 2 === 0 ? Buffer.concat(chunk.map((p) => Buffer.concat([Buffer.from([p.length >> 8, p.length & 255]), p]))) : Buffer.concat(chunk);
    await sendWire({ port }, [bytes.subarray(0, bytes.length - rnd(3))], { tcp: true, timeoutMs: 2_000 });
  }
  const res = decode(await udpExchange(port, query('web.shop.svc.cluster.local', 'A')));
  expect(res.answers?.[0]).toMatchObject({ data: '10.96.0.10' });
});
