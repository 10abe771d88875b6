import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Packet } from 'dns-packet';
import { encodeQuery, exchangeWire, freePort, pipelineTcp, query, reply, resolver, sendWire, startTestUpstream, waitFor } from '../src/index.ts';

// A tiny authoritative server: example.test. A 192.0.2.1, everything else NXDOMAIN.
function answer(request: Packet, tcp: boolean): Buffer {
  const question = request.questions?.[0];
  const known = question?.name.toLowerCase() === 'example.test' && question.type === 'A';
  return dnsPacket.encode({
    type: 'response',
    id: request.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | (known ? 0 : 3),
    questions: request.questions,
    answers: known ? [{ type: 'A', name: question.name, ttl: tcp ? 60 : 30, data: '192.0.2.1' }] : [],
  });
}

describe('query and resolver against a tiny DNS server', () => {
  let port = 0;
  let udp: Socket;
  let tcp: Server;

  beforeAll(async () => {
    port = await freePort({ udp: true });
    udp = createSocket('udp4');
    udp.on('message', (data, peer) => udp.send(answer(dnsPacket.decode(data), false), peer.port, peer.address));
    await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));
    tcp = createServer((socket) => {
      socket.once('data', (data) => {
        const response = answer(dnsPacket.decode(data.subarray(2)), true);
        const length = Buffer.alloc(2);
        length.writeUInt16BE(response.length);
        socket.end(Buffer.concat([length, response]));
      });
    });
    await new Promise<void>((resolve) => tcp.listen(port, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    udp.close();
    await new Promise((resolve) => tcp.close(resolve));
  });

  const cases = [
    { name: 'example.test', type: 'A', tcp: false, rcode: 'NOERROR', data: ['192.0.2.1'], ttl: 30 },
    { name: 'example.test', type: 'A', tcp: true, rcode: 'NOERROR', data: ['192.0.2.1'], ttl: 60 },
    { name: 'missing.test', type: 'A', tcp: false, rcode: 'NXDOMAIN', data: [], ttl: undefined },
    { name: 'missing.test', type: 'AAAA', tcp: true, rcode: 'NXDOMAIN', data: [], ttl: undefined },
  ];
  it.each(cases)('$name $type tcp=$tcp → $rcode', async (c) => {
    const response = await query({ port }, c.name, c.type, { tcp: c.tcp, id: 4242 });
    expect(response.id).toBe(4242);
    expect(response.rcode).toBe(c.rcode);
    expect(response.flag_aa).toBe(true);
    expect(response.answers?.map((a) => ('data' in a ? a.data : undefined))).toEqual(c.data);
    expect((response.answers?.[0] as { ttl?: number } | undefined)?.ttl).toBe(c.ttl);
  });

  it('sends EDNS when asked', async () => {
    // The tiny server does not echo OPT; the query still goes through with one encoded.
    const response = await query({ port }, 'example.test', 'A', { edns: 1232 });
    expect(response.rcode).toBe('NOERROR');
  });

  it("Node's resolver reaches the server", async () => {
    await expect(resolver(port).resolve4('example.test')).resolves.toEqual(['192.0.2.1']);
    await expect(resolver(port).resolve4('missing.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('times out with a coded error when nobody answers', async () => {
    const silent = await freePort({ udp: true });
    await expect(query({ port: silent }, 'example.test', 'A', { timeoutMs: 200 })).rejects.toMatchObject({ code: 'timeout' });
  });
});

describe('raw exchanges', () => {
  it('exchangeWire returns the reply as bytes, from the default or a given source address (acl.test.ts sees the address)', async () => {
    const upstream = await startTestUpstream((q) => reply(q, [{ type: 'A', name: 'web.test', ttl: 5, data: '192.0.2.9' }]));
    try {
      for (const from of ['127.0.0.1', '127.0.0.2']) {
        const wire = await exchangeWire({ port: upstream.port }, encodeQuery('web.test', 'A', { id: 77 }), { from });
        expect(wire.readUInt16BE(0)).toBe(77);
        expect(dnsPacket.decode(wire).answers?.map((a) => ('data' in a ? a.data : null))).toEqual(['192.0.2.9']);
      }
    } finally {
      await upstream.close();
    }
  });

  it('pipelineTcp writes every query at once and collects one reply per query', async () => {
    const upstream = await startTestUpstream((q) => reply(q, []));
    try {
      const replies = await pipelineTcp(
        { port: upstream.port },
        [1, 2, 3].map((id) => encodeQuery(`q${id}.test`, 'A', { id })),
      );
      expect(replies.map((r) => r.readUInt16BE(0)).sort()).toEqual([1, 2, 3]);
      expect(upstream.seen.map((s) => s.transport)).toEqual(['tcp', 'tcp', 'tcp']);
    } finally {
      await upstream.close();
    }
  });

  it.each([false, true])('sendWire (tcp=%s) delivers bytes as given and waits for no answer; the upstream ignores garbage', async (tcp) => {
    const upstream = await startTestUpstream(() => 'drop');
    try {
      const good = encodeQuery('seen.test', 'A', { id: 9 });
      const garbage = Buffer.from([1, 2, 3]);
      // TCP takes the bytes unframed: frame the good one, leave the garbage as it is, at the end.
      const frame = (m: Buffer) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 255]), m]);
      await sendWire({ port: upstream.port }, tcp ? [frame(good), garbage] : [garbage, good], { tcp, timeoutMs: 500 });
      await waitFor(() => upstream.seen.length === 1, { timeoutMs: 2_000, message: 'the upstream never saw the query' });
      expect(upstream.seen).toEqual([{ name: 'seen.test', type: 'A', transport: tcp ? 'tcp' : 'udp', rd: true }]);
    } finally {
      await upstream.close();
    }
  });
});

describe('startTestUpstream', () => {
  it('listens on a given address and port, UDP and TCP, and says when that port is taken', async () => {
    const port = await freePort({ udp: true });
    const upstream = await startTestUpstream((q) => reply(q, [{ type: 'A', name: 'web.test', ttl: 5, data: '192.0.2.7' }]), { host: '127.0.0.2', port });
    try {
      expect(upstream).toMatchObject({ host: '127.0.0.2', port });
      for (const tcp of [false, true]) {
        const r = await query({ host: '127.0.0.2', port }, 'web.test', 'A', { tcp });
        expect(r.answers?.map((a) => ('data' in a ? a.data : null))).toEqual(['192.0.2.7']);
      }
      await expect(startTestUpstream(() => 'drop', { host: '127.0.0.2', port })).rejects.toMatchObject({ code: 'no-port' });
    } finally {
      await upstream.close();
    }
  });
});
