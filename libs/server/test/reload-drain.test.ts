// A reload closes the old plugins only after the queries running on them are done: a forward with a
// query in flight to a slow upstream still answers it.
import { afterEach, expect, it } from 'vitest';
import type { DecodedPacket } from 'dns-packet';
import { query } from '@halo/testing';
import { loadServer, type DnsServer } from '../src/index.ts';
import { reply, startTestUpstream, type TestUpstream } from '../src/plugins/forward/test-dns.ts';

let server: DnsServer | undefined;
let upstream: TestUpstream | undefined;
afterEach(async () => {
  await server?.close();
  await upstream?.close();
  server = upstream = undefined;
});

it('a query in flight during a reload is answered by the old chain', async () => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const answer = async (q: DecodedPacket) => {
    await held;
    return reply(q, [{ name: q.questions?.[0].name ?? '', type: 'A', class: 'IN', ttl: 60, data: '10.0.0.1' }]);
  };
  upstream = await startTestUpstream(answer);
  const corefile = (n: number) => `.:53 {\n  forward . 127.0.0.1:${upstream?.port} {\n    try_timeout ${n}s\n  }\n}\n`;
  const loaded = await loadServer(corefile(3), { context: {}, listen: { host: '127.0.0.1', port: 0 } });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  server = loaded.server;
  const port = server.addresses()[0].port;
  const pending = query({ host: '127.0.0.1', port }, 'slow.example', 'A', { timeoutMs: 4_000 });
  await expect.poll(() => upstream?.seen.length).toBe(1);
  const reloaded = server.reload(corefile(4));
  // The reload waits for the old chain; let the upstream answer now.
  release();
  expect((await pending).rcode).toBe('NOERROR');
  expect(await reloaded).toEqual({ ok: true });
});
