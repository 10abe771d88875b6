// hosts and forward behind a real server, asked by a real DNS client (Node's resolver).
import { Registry } from 'prom-client';
import { afterEach, expect, it } from 'vitest';
import { loadServer, type DnsServer } from '../../index.ts';
import { resolver as nodeResolver } from '@halo/testing';
import { reply, startTestUpstream, qname, type TestUpstream } from '../../../test/dns-fixtures.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

it('answers from hosts first, then from the upstream, over UDP', async () => {
  const upstream: TestUpstream = await startTestUpstream((q) =>
    qname(q) === 'missing.example.org' ? reply(q, [], 3) : reply(q, [{ name: qname(q), type: 'A', class: 'IN', ttl: 60, data: '192.0.2.80' }]),
  );
  closers.push(() => upstream.close());
  const corefile = `.:53 {\n  hosts {\n    10.1.2.3 app.example.internal\n    fallthrough\n  }\n  forward . 127.0.0.1:${upstream.port}\n}\n`;
  const loaded = await loadServer(corefile, { context: { metrics: new Registry() }, listen: { host: '127.0.0.1', port: 0 } });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const server: DnsServer = loaded.server;
  closers.push(() => server.close());
  const udp = server.addresses().find((a) => a.transport === 'udp');
  const resolver = nodeResolver(udp?.port ?? 0);

  const table: [string, string[] | string][] = [
    ['app.example.internal', ['10.1.2.3']],
    ['www.example.org', ['192.0.2.80']],
    ['missing.example.org', 'ENOTFOUND'],
  ];
  for (const [name, want] of table) {
    const got = await resolver.resolve4(name).catch((err: NodeJS.ErrnoException) => err.code ?? 'error');
    expect([name, got]).toEqual([name, want]);
  }
  expect(await resolver.reverse('10.1.2.3')).toEqual(['app.example.internal']);
  expect(upstream.seen.map((s) => s.name)).toEqual(['www.example.org', 'missing.example.org']);
});
