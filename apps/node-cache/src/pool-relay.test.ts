// The relay against real UDP responders: one that answers, one that is silent (hung), one that is gone.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { query } from '@halo/testing';
import { servfailFor, startPoolRelay, type PoolRelay } from './pool-relay.ts';

async function responder(mode: 'answer' | 'silent', ip = '192.0.2.1') {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    if (mode === 'silent') return;
    const q = dnsPacket.decode(msg);
    socket.send(dnsPacket.encode({ type: 'response', id: q.id, flags: 0, questions: q.questions, answers: [{ type: 'A', name: q.questions![0].name, ttl: 5, data: ip }] }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { port: socket.address().port, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

describe('pool relay', () => {
  let relay: PoolRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
  });

  it('answers past a hung answerer and a gone one, every time', async () => {
    const good = await responder('answer');
    const hung = await responder('silent');
    const gone = await responder('answer');
    await gone.close();
    relay = await startPoolRelay({ answerers: [{ host: '127.0.0.1', port: hung.port }, { host: '127.0.0.1', port: gone.port }, { host: '127.0.0.1', port: good.port }], tryTimeoutMs: 30, deadlineMs: 2_000, forceTcp: false });
    for (let i = 0; i < 20; i++) {
      const r = await query({ host: '127.0.0.1', port: relay.port }, 'a.test', 'A', { timeoutMs: 1_000 });
      const first = r.answers?.[0];
      expect(first && 'data' in first ? first.data : undefined).toBe('192.0.2.1');
    }
    expect(relay.status().find((s) => s.answerer.endsWith(`:${good.port}`))?.healthy).toBe(true);
    await good.close();
    await hung.close();
  });

  it('answers SERVFAIL when no answerer answers', async () => {
    const gone = await responder('answer');
    await gone.close();
    relay = await startPoolRelay({ answerers: [{ host: '127.0.0.1', port: gone.port }], tryTimeoutMs: 30, deadlineMs: 500, forceTcp: false });
    const r = await query({ host: '127.0.0.1', port: relay.port }, 'b.test', 'A', { timeoutMs: 2_000 });
    expect(r.rcode).toBe('SERVFAIL');
    expect(r.questions?.[0]?.name).toBe('b.test');
  });

  it('builds SERVFAIL from a query: same id and question, QR and RA set', () => {
    const q = dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'AAAA', name: 'X.test', class: 'IN' }] });
    const r = dnsPacket.decode(servfailFor(q)!) as ReturnType<typeof dnsPacket.decode> & { rcode: string };
    expect(r).toMatchObject({ id: 4242, type: 'response', rcode: 'SERVFAIL', flag_rd: true, flag_ra: true, questions: [{ name: 'X.test', type: 'AAAA' }] });
  });
});
