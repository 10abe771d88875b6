// The answerer pool as one local upstream for the cluster-zone `forward`: each query goes to one
// answerer and, when it has not answered within a short per-try deadline (tens of milliseconds), is sent
// again to the next one while the first may still answer (the first reply wins). Connected UDP sockets
// make a dead answerer's closed port show at once (ICMP port unreachable).
//
// Why a relay: the `forward` plugin's per-try deadline is fixed at 2 s today. Once libs/server's forward
// takes a per-try timeout, the Corefile can point at the answerers directly and this goes away.
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { frameTcp, TcpMessageReader } from '@halo/dns';

export interface Answerer {
  host: string;
  port: number;
}

export interface PoolRelayOptions {
  answerers: Answerer[];
  /** How long one try waits before the next answerer is asked too. */
  tryTimeoutMs: number;
  /** How long a query may take in all; then SERVFAIL. */
  deadlineMs: number;
  /** TCP to the answerers (NodeLocal DNSCache's force_tcp). */
  forceTcp: boolean;
  /** Consecutive failures after which an answerer is asked only when the others failed too. */
  maxFails?: number;
  host?: string;
}

export interface AnswererStatus {
  answerer: string;
  fails: number;
  healthy: boolean;
}

export interface PoolRelay {
  /** The port the relay listens on (UDP and TCP) on 127.0.0.1. */
  readonly port: number;
  setAnswerers(answerers: Answerer[]): void;
  status(): AnswererStatus[];
  close(): Promise<void>;
}

interface Member {
  address: Answerer;
  name: string;
  fails: number;
}

const nameOf = (a: Answerer) => (net.isIPv6(a.host) ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

function rcodeOf(reply: Buffer): number {
  return reply.readUInt16BE(2) & 0x0f;
}

/** SERVFAIL for a query: its header and question echoed, QR and RA set. */
export function servfailFor(query: Buffer): Buffer | null {
  if (query.length < 12) return null;
  const reply = Buffer.from(query);
  const flags = query.readUInt16BE(2);
  // QR=1, keep opcode and RD, RA=1, rcode 2; counts: question only (the OPT is dropped with the rest).
  reply.writeUInt16BE(0x8000 | (flags & 0x7900) | 0x0080 | 2, 2);
  reply.writeUInt16BE(0, 6);
  reply.writeUInt16BE(0, 8);
  reply.writeUInt16BE(0, 10);
  // Cut after the question: find its end (labels, then type and class).
  let i = 12;
  if (query.readUInt16BE(4) >= 1) {
    while (i < query.length && query[i] !== 0) i += query[i] + 1;
    i += 5;
  }
  return reply.subarray(0, Math.min(i, reply.length));
}

function withId(message: Buffer, id: number): Buffer {
  const copy = Buffer.from(message);
  copy.writeUInt16BE(id, 0);
  return copy;
}

type TryResult = { ok: true; reply: Buffer } | { ok: false; refused: boolean };

function tryUdp(to: Answerer, message: Buffer, limitMs: number): { result: Promise<TryResult>; cancel(): void } {
  const socket = dgram.createSocket(net.isIPv6(to.host) ? 'udp6' : 'udp4');
  const id = message.readUInt16BE(0);
  let settle: (r: TryResult) => void = () => undefined;
  const result = new Promise<TryResult>((resolve) => (settle = resolve));
  let done = false;
  const finish = (r: TryResult) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.close();
    settle(r);
  };
  const timer = setTimeout(() => finish({ ok: false, refused: false }), limitMs);
  socket.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, refused: err.code === 'ECONNREFUSED' }));
  socket.on('message', (reply) => {
    if (reply.length >= 12 && reply.readUInt16BE(0) === id) finish({ ok: true, reply });
  });
  socket.connect(to.port, to.host, () => socket.send(message, (err) => err && finish({ ok: false, refused: false })));
  return { result, cancel: () => finish({ ok: false, refused: false }) };
}

function tryTcp(to: Answerer, message: Buffer, limitMs: number): { result: Promise<TryResult>; cancel(): void } {
  const socket = net.connect({ host: to.host, port: to.port });
  const reader = new TcpMessageReader();
  let settle: (r: TryResult) => void = () => undefined;
  const result = new Promise<TryResult>((resolve) => (settle = resolve));
  let done = false;
  const finish = (r: TryResult) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.destroy();
    settle(r);
  };
  const timer = setTimeout(() => finish({ ok: false, refused: false }), limitMs);
  socket.on('connect', () => socket.write(frameTcp(message)));
  socket.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, refused: err.code === 'ECONNREFUSED' }));
  socket.on('close', () => finish({ ok: false, refused: false }));
  socket.on('data', (chunk: Buffer) => {
    for (const reply of reader.push(chunk)) if (reply.length >= 12) finish({ ok: true, reply });
  });
  return { result, cancel: () => finish({ ok: false, refused: false }) };
}

export async function startPoolRelay(options: PoolRelayOptions): Promise<PoolRelay> {
  const host = options.host ?? '127.0.0.1';
  const maxFails = options.maxFails ?? 2;
  let members: Member[] = options.answerers.map((a) => ({ address: a, name: nameOf(a), fails: 0 }));
  let next = 0;

  /** Healthy answerers first, from a rotating start, then the others. */
  function order(): Member[] {
    const n = members.length;
    if (n === 0) return [];
    const start = next++ % n;
    const rotated = [...members.slice(start), ...members.slice(0, start)];
    return [...rotated.filter((m) => m.fails < maxFails), ...rotated.filter((m) => m.fails >= maxFails)];
  }

  async function exchange(query: Buffer, tcp: boolean): Promise<Buffer | null> {
    if (query.length < 12) return null;
    const clientId = query.readUInt16BE(0);
    const deadline = Date.now() + options.deadlineMs;
    const useTcp = tcp || options.forceTcp;
    const pending = new Set<{ cancel(): void }>();
    let fallback: Buffer | null = null;
    return new Promise<Buffer | null>((resolve) => {
      let resolved = false;
      let round: Member[] = [];
      let outstanding = 0;
      let timer: NodeJS.Timeout | undefined;
      const finish = (reply: Buffer | null) => {
        if (resolved) return;
        resolved = true;
        clearTimeout(timer);
        for (const p of pending) p.cancel();
        resolve(reply ? withId(reply, clientId) : fallback ? withId(fallback, clientId) : servfailFor(query));
      };
      const launch = () => {
        if (resolved) return;
        const remaining = deadline - Date.now();
        if (remaining <= 0) return finish(null);
        if (round.length === 0) round = order();
        const m = round.shift();
        if (!m) return finish(null);
        const attempt = (useTcp ? tryTcp : tryUdp)(m.address, withId(query, randomInt(0, 65536)), remaining);
        pending.add(attempt);
        outstanding++;
        // The next answerer is asked when this one is slow, or at once when this one failed.
        clearTimeout(timer);
        timer = setTimeout(launch, Math.min(options.tryTimeoutMs, remaining));
        void attempt.result.then((r) => {
          pending.delete(attempt);
          outstanding--;
          if (resolved) return;
          if (r.ok) {
            const rcode = rcodeOf(r.reply);
            m.fails = 0;
            // SERVFAIL and REFUSED: another answerer may do better; keep it in case none does.
            if (rcode !== 2 && rcode !== 5) return finish(r.reply);
            fallback = r.reply;
          } else m.fails++;
          if (outstanding === 0) {
            clearTimeout(timer);
            // Everyone asked so far failed; go on at once, but do not spin on a pool that refuses.
            if (Date.now() < deadline && (round.length > 0 || members.some((x) => x.fails < maxFails * 4))) setImmediate(launch);
            else finish(null);
          }
        });
      };
      launch();
    });
  }

  const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  udp.on('message', (msg, rinfo) => {
    void exchange(msg, false).then((reply) => {
      if (reply) udp.send(reply, rinfo.port, rinfo.address);
    });
  });
  udp.on('error', () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(0, host, () => resolve(udp.address().port));
  });
  const connections = new Set<net.Socket>();
  const tcpServer = net.createServer((socket) => {
    connections.add(socket);
    const reader = new TcpMessageReader();
    socket.on('error', () => socket.destroy());
    socket.on('close', () => connections.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      for (const msg of reader.push(chunk)) {
        void exchange(msg, true).then((reply) => {
          if (reply && !socket.destroyed) socket.write(frameTcp(reply));
        });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcpServer.once('error', reject);
    tcpServer.listen(port, host, () => resolve());
  });

  return {
    port,
    setAnswerers(answerers) {
      const old = new Map(members.map((m) => [m.name, m]));
      members = answerers.map((a) => old.get(nameOf(a)) ?? { address: a, name: nameOf(a), fails: 0 });
    },
    status: () => members.map((m) => ({ answerer: m.name, fails: m.fails, healthy: m.fails < maxFails })),
    close: async () => {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      for (const s of connections) s.destroy();
      await new Promise<void>((resolve) => tcpServer.close(() => resolve()));
    },
  };
}
