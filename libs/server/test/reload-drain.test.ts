// A reload closes the old plugins only after the queries running on them are done: a forward with a
// query in flight to a slow upstream still answers it.
import { expect, it } from 'vitest';
import type { DecodedPacket } from 'dns-packet';
import { query } from '@halo/testing';
import { forwardingServers, reply } from './dns-fixtures.ts';

const servers = forwardingServers();

it('a query in flight during a reload is answered by the old chain', async () => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const answer = async (q: DecodedPacket) => {
    await held;
    return reply(q, [{ name: q.questions?.[0].name ?? '', type: 'A', class: 'IN', ttl: 60, data: '10.0.0.1' }]);
  };
  const corefile = (to: string, n: number) => `.:53 {\n  forward . ${to} {\n    try_timeout ${n}s\n  }\n}\n`;
  let to = '';
  const { server, upstream, port } = await servers.start((address) => corefile((to = address), 3), answer);
  const pending = query({ host: '127.0.0.1', port }, 'slow.example', 'A', { timeoutMs: 4_000 });
  await expect.poll(() => upstream.seen.length).toBe(1);
  const reloaded = server.reload(corefile(to, 4));
  // The reload waits for the old chain; let the upstream answer now.
  release();
  expect((await pending).rcode).toBe('NOERROR');
  expect(await reloaded).toEqual({ ok: true });
});
