// One server on several listen addresses: every block on each, one set of plugin chains (one cache).
import { expect, it } from 'vitest';
import type { DecodedPacket } from 'dns-packet';
import { query } from '@halo/testing';
import { loadServer } from '../src/index.ts';
import { forwardingServers, reply } from './dns-fixtures.ts';

const servers = forwardingServers();

const answer = (q: DecodedPacket) => reply(q, [{ name: q.questions?.[0].name ?? '', type: 'A', class: 'IN', ttl: 60, data: '10.0.0.1' }]);

it('serves every block on each listen address, from one cache', async () => {
  const { server, upstream } = await servers.start((to) => `.:53 {\n  cache 30\n  forward . ${to}\n}\nnode.invalid:53 {\n  whoami\n}\n`, answer, [
    { host: '127.0.0.1', port: 0 },
    { host: '127.0.0.2', port: 0 },
  ]);
  const udp = server.addresses().filter((a) => a.transport === 'udp');
  expect(udp.map((a) => a.host)).toEqual(['127.0.0.1', '127.0.0.2']);
  const [a, b] = udp;
  const table: [typeof a, string, string, string][] = [
    [a, 'web.example.org', 'A', 'NOERROR'],
    [b, 'web.example.org', 'A', 'NOERROR'],
    [b, 'x.node.invalid', 'A', 'NOERROR'],
    [a, 'x.node.invalid', 'A', 'NOERROR'],
  ];
  for (const [to, name, type, rcode] of table) {
    const r = await query({ host: to.host, port: to.port }, name, type);
    expect(r.rcode, `${name} at ${to.host}`).toBe(rcode);
  }
  // The second address answered web.example.org from the cache the first one filled.
  expect(upstream.seen).toHaveLength(1);
  expect(server.caches()).toHaveLength(1);
  expect(server.invalidate(['web.example.org.'])).toBe(1);
});

it('a reload keeps every listen address', async () => {
  const loaded = await loadServer('.:53 {\n  whoami\n}\n', {
    context: {},
    listen: [
      { host: '127.0.0.1', port: 0 },
      { host: '127.0.0.2', port: 0 },
    ],
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const server = loaded.server;
  try {
    const before = server.addresses();
    expect(await server.reload('.:53 {\n  errors\n  whoami\n}\n')).toEqual({ ok: true });
    expect(server.addresses()).toEqual(before);
    for (const to of before.filter((x) => x.transport === 'udp'))
      expect((await query({ host: to.host, port: to.port }, 'a.example', 'A')).rcode).toBe('NOERROR');
  } finally {
    await server.close();
  }
});
