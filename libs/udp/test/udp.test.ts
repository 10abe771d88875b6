// Both UDP I/O kinds against real client sockets: what one does, the other must do the same.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { bindUdp, udpIo, type UdpEndpoint, type UdpHandler, type UdpIo } from '../src/index.ts';
import { MAX_QUERY, nativeUdp } from '../src/udp.ts';

const open: UdpEndpoint[] = [];
const clients: dgram.Socket[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
  for (const c of clients.splice(0)) c.close();
});

/** Echoes "now:<text>" at once for queries starting with "now", "later:<text>" after a timer otherwise. */
function echo(seen: { family: number; address?: string; port?: number }[] = []): UdpHandler {
  return {
    answerNow(query, family) {
      if (!query.toString().startsWith('now')) return null;
      seen.push({ family });
      return Buffer.concat([Buffer.from('now:'), query]);
    },
    async answer(query, peer) {
      seen.push({ family: 0, ...peer });
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (query.toString() === 'silent') return null;
      return Buffer.concat([Buffer.from('later:'), query]);
    },
  };
}

async function bind(io: UdpIo, handler: UdpHandler, host = '127.0.0.1', port = 0, reusePort = false): Promise<UdpEndpoint> {
  const endpoint = await bindUdp({ host, port, io, reusePort }, handler);
  open.push(endpoint);
  return endpoint;
}

async function client(type: 'udp4' | 'udp6' = 'udp4'): Promise<dgram.Socket> {
  const socket = dgram.createSocket(type);
  clients.push(socket);
  socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
  await once(socket, 'listening');
  return socket;
}

/** Sends every message and collects the replies until `expected` arrived or the time is up. */
async function exchange(socket: dgram.Socket, port: number, messages: Buffer[], expected: number, host = '127.0.0.1', ms = 2000): Promise<string[]> {
  const replies: string[] = [];
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    socket.on('message', (msg) => {
      replies.push(msg.toString());
      if (replies.length >= expected) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  for (const m of messages) socket.send(m, port, host);
  await done;
  socket.removeAllListeners('message');
  return replies;
}

const built = nativeUdp().module !== null;
const kinds: UdpIo[] = ['batched', 'dgram'];

describe.each(kinds)('%s I/O', (io) => {
  it.runIf(io === 'dgram' || built)('answers at once, answers later, and stays silent when the handler has nothing', async () => {
    const seen: { family: number; address?: string; port?: number }[] = [];
    const server = await bind(io, echo(seen));
    expect(server.io).toBe(io);
    const c = await client();
    const replies = await exchange(c, server.port, [Buffer.from('now-1'), Buffer.from('slow-1'), Buffer.from('silent')], 2, '127.0.0.1', 1000);
    expect(replies.sort()).toEqual(['later:slow-1', 'now:now-1']);
    expect(seen).toContainEqual({ family: 4 });
    // The slow path learns the peer as node:dgram shows it.
    expect(seen).toContainEqual({ family: 0, address: '127.0.0.1', port: c.address().port });
  });

  it.runIf(io === 'dgram' || built)('answers a burst larger than one batch, every query once', async () => {
    const server = await bind(io, echo());
    const c = await client();
    // 150: more than two batches, fewer than a loopback socket's default receive buffer holds (~256).
    const messages = Array.from({ length: 150 }, (_, i) => Buffer.from(`${i % 2 === 0 ? 'now' : 'slow'}-${i}`));
    const replies = await exchange(c, server.port, messages, messages.length);
    expect(replies).toHaveLength(150);
    expect(new Set(replies).size).toBe(150);
  });

  it.runIf(io === 'dgram' || built)('keeps the bytes of a query answered later, although the receive buffer is reused', async () => {
    const server = await bind(io, echo());
    const c = await client();
    const messages = Array.from({ length: 150 }, (_, i) => Buffer.from(`slow-${String(i).padStart(3, '0')}`));
    const replies = await exchange(c, server.port, messages, messages.length);
    expect(replies.sort()).toEqual(messages.map((m) => `later:${m.toString()}`).sort());
  });

  it.runIf(io === 'dgram' || built)('sends what answerNowInto wrote into the send buffer, and what it returned', async () => {
    const written: number[] = [];
    const handler: UdpHandler = {
      ...echo(),
      // Writes "into:<query>" where it is given room, returns a Buffer for "buf" queries, null for the rest.
      answerNowInto(query, _family, out, at, room) {
        const text = query.toString();
        if (text.startsWith('buf')) return Buffer.from(`buffer:${text}`);
        if (!text.startsWith('now')) return null;
        const reply = Buffer.from(`into:${text}`);
        if (reply.length > room) return reply;
        reply.copy(out, at);
        written.push(at);
        return reply.length;
      },
    };
    const server = await bind(io, handler);
    const c = await client();
    const messages = Array.from({ length: 40 }, (_, i) => Buffer.from(`${['now', 'buf', 'slow'][i % 3]}-${i}`));
    const replies = await exchange(c, server.port, messages, messages.length);
    // The batched I/O hands its send buffer; node:dgram has none and asks answerNow (echo's: "now:").
    const atOnce = (t: string) =>
      io === 'batched' ? (t.startsWith('now') ? `into:${t}` : t.startsWith('buf') ? `buffer:${t}` : null) : t.startsWith('now') ? `now:${t}` : null;
    const expected = messages.map((m) => m.toString()).map((t) => atOnce(t) ?? `later:${t}`);
    expect(replies.sort()).toEqual(expected.sort());
    expect(written.length).toBe(io === 'batched' ? 14 : 0);
  });

  it.runIf(io === 'dgram' || built)('sends a reply larger than 4 KiB whole', async () => {
    const big = Buffer.alloc(6000, 0x61);
    const server = await bind(io, { answerNow: () => big, answer: async () => null });
    const c = await client();
    const [reply] = await exchange(c, server.port, [Buffer.from('now')], 1);
    expect(reply).toBe(big.toString());
  });

  it.runIf(io === 'dgram' || built)('serves IPv6 clients', async () => {
    const seen: { family: number }[] = [];
    const server = await bind(io, echo(seen), '::1');
    const c = await client('udp6');
    expect(await exchange(c, server.port, [Buffer.from('now-6')], 1, '::1')).toEqual(['now:now-6']);
    expect(seen).toEqual([{ family: 6 }]);
  });

  it.runIf(io === 'dgram' || built)('shares a port with reusePort, and frees it on close', async () => {
    const first = await bind(io, echo(), '127.0.0.1', 0, true);
    const second = await bind(io, echo(), '127.0.0.1', first.port, true);
    expect(second.port).toBe(first.port);
    await first.close();
    await second.close();
    // Closed means closed: the port binds again without reusePort.
    const again = await bind(io, echo(), '127.0.0.1', first.port);
    const c = await client();
    expect(await exchange(c, again.port, [Buffer.from('now-again')], 1)).toEqual(['now:now-again']);
  });

  it.runIf(io === 'dgram' || built)('drops a datagram larger than 4 KiB, and answers the next', async () => {
    const seen: { family: number }[] = [];
    const server = await bind(io, echo(seen));
    const c = await client();
    const oversized = Buffer.concat([Buffer.from('now'), Buffer.alloc(MAX_QUERY, 0x61)]);
    expect(await exchange(c, server.port, [oversized, Buffer.from('now-small')], 1)).toEqual(['now:now-small']);
    expect(seen).toHaveLength(1);
  });

  it.runIf(io === 'dgram' || built)('a taken port is an EADDRINUSE error', async () => {
    const first = await bind(io, echo());
    await expect(bind(io, echo(), '127.0.0.1', first.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it.runIf(io === 'dgram' || built)('a handler that throws loses that query only', async () => {
    const errors: unknown[] = [];
    const server = await bind(io, {
      answerNow(query) {
        if (query.toString() === 'boom') throw new Error('boom');
        return Buffer.from('ok');
      },
      answer: async () => null,
      onError: (err) => errors.push(err),
    });
    const c = await client();
    expect(await exchange(c, server.port, [Buffer.from('boom'), Buffer.from('fine')], 1)).toEqual(['ok']);
    expect(errors).toHaveLength(1);
  });
});

describe('batched I/O: leaving a SO_REUSEPORT group', () => {
  it.runIf(built)('after leave, a port shared with reusePort sends every new query to the other socket', async () => {
    const counts = { leaving: 0, staying: 0 };
    const counting = (name: keyof typeof counts): UdpHandler => ({
      answerNow: () => {
        counts[name]++;
        return Buffer.from(name);
      },
      answer: async () => null,
    });
    const leaving = await bind('batched', counting('leaving'), '127.0.0.1', 0, true);
    const staying = await bind('batched', counting('staying'), '127.0.0.1', leaving.port, true);
    const fromManyPorts = async () => {
      counts.leaving = counts.staying = 0;
      // The kernel spreads a group's queries by the client's address and port: use many ports.
      for (let i = 0; i < 40; i++) {
        const c = await client();
        expect(await exchange(c, staying.port, [Buffer.from('q')], 1)).toHaveLength(1);
      }
      return { ...counts };
    };
    const before = await fromManyPorts();
    expect(before.leaving).toBeGreaterThan(0);
    expect(before.staying).toBeGreaterThan(0);
    expect(leaving.leave()).toBe(true);
    expect(await fromManyPorts()).toEqual({ leaving: 0, staying: 40 });
  });
});

describe('choosing the I/O', () => {
  it('HALO_UDP_IO=dgram forces node:dgram', () => {
    expect(udpIo('auto', { HALO_UDP_IO: 'dgram' })).toEqual({ io: 'dgram', reason: 'HALO_UDP_IO=dgram' });
  });

  it('auto is batched where the addon is built, and says why not where it is not', () => {
    const choice = udpIo('auto', {});
    if (built) expect(choice).toEqual({ io: 'batched', reason: '' });
    else expect(choice.reason).toMatch(/not built/);
  });
});
