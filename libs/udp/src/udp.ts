// One UDP endpoint of a DNS server: batched native I/O where the addon is built, node:dgram otherwise.
import dgram from 'node:dgram';
import dns from 'node:dns';
import { createRequire } from 'node:module';
import net from 'node:net';

export interface UdpPeer {
  address: string;
  port: number;
}

export interface UdpHandler {
  /**
   * Answers from memory at once, or null. `query` is a view of the receive buffer, valid only during
   * the call: keep nothing of it.
   */
  answerNow(query: Buffer, family: 4 | 6): Buffer | null;
  /**
   * answerNow, with the reply written into `out` from byte `at` where the handler can and it fits in
   * `room` bytes (its length then), else returned as a Buffer, or null. The batched I/O sends from `out`:
   * one copy less per reply.
   */
  answerNowInto?(query: Buffer, family: 4 | 6, out: Buffer, at: number, room: number): Buffer | number | null;
  /** Every query answerNow did not answer, as the handler's own copy. null: no reply. */
  answer(query: Buffer, peer: UdpPeer): Promise<Buffer | null>;
  onError?(err: unknown): void;
}

export type UdpIo = 'batched' | 'dgram';

/** Queries larger than this are dropped (the batched I/O's receive slot; DNS queries are far smaller). */
export const MAX_QUERY = 4096;

export interface UdpOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  reusePort?: boolean;
  /** `auto` (default): batched where the addon is built; HALO_UDP_IO=dgram forces node:dgram. */
  io?: UdpIo | 'auto';
}

export interface UdpEndpoint {
  readonly port: number;
  readonly io: UdpIo;
  /** Replies dropped because the peer was unreachable or the send queue was full (batched I/O; 0 with dgram). */
  dropped(): number;
  /**
   * Stops taking new queries from the port's SO_REUSEPORT group while the socket still answers what
   * is queued in it (batched I/O: the other sockets of the group get every new query). false where
   * the I/O cannot (dgram): then only closing stops it.
   */
  leave(): boolean;
  close(): Promise<void>;
}

interface NativeSocket {
  port: number;
  in: ArrayBuffer;
  out: ArrayBuffer;
  meta: ArrayBuffer;
  peer(slot: number): Buffer;
  sendTo(reply: Buffer, peer: Buffer): void;
  stats(): [dropped: number, queued: number];
  leave(): void;
  close(onClosed: () => void): void;
}

interface NativeModule {
  bind(host: string, port: number, ipv6: boolean, reusePort: boolean, onBatch: (count: number) => void): NativeSocket;
  address(peer: Buffer): [string, number];
  BATCH: number;
  SLOT: number;
  META_STRIDE: number;
}

let loaded: { module: NativeModule | null; reason: string } | undefined;

/** The addon, or null with the reason it is not there (not built, not Linux). */
export function nativeUdp(): { module: NativeModule | null; reason: string } {
  if (loaded) return loaded;
  try {
    const require = createRequire(import.meta.url);
    loaded = { module: require('../build/udp.node') as NativeModule, reason: '' };
  } catch (err) {
    loaded = { module: null, reason: `native UDP I/O not built (npm run build:native): ${(err as Error).message.split('\n')[0]}` };
  }
  return loaded;
}

/** Which I/O `bindUdp` would use with these options, and why not batched where it is not. */
export function udpIo(io: UdpOptions['io'] = 'auto', env: NodeJS.ProcessEnv = process.env): { io: UdpIo; reason: string } {
  const wanted = io === 'auto' ? (env.HALO_UDP_IO === 'dgram' ? 'dgram' : 'auto') : io;
  if (wanted === 'dgram') return { io: 'dgram', reason: io === 'dgram' ? 'asked for' : 'HALO_UDP_IO=dgram' };
  const native = nativeUdp();
  if (native.module) return { io: 'batched', reason: '' };
  if (wanted === 'batched') throw new Error(native.reason);
  return { io: 'dgram', reason: native.reason };
}

export async function bindUdp(options: UdpOptions, handler: UdpHandler): Promise<UdpEndpoint> {
  const { io } = udpIo(options.io);
  const native = nativeUdp().module;
  return io === 'batched' && native ? bindBatched(native, options, handler) : bindDgram(options, handler);
}

function bindBatched(native: NativeModule, options: UdpOptions, handler: UdpHandler): UdpEndpoint {
  const { SLOT, META_STRIDE } = native;
  // Set right after bind: the first batch can only arrive from a later turn of the event loop.
  let socket: NativeSocket | null = null;
  let views: { input: Buffer; output: Buffer; meta: Int32Array } | null = null;
  const into = handler.answerNowInto?.bind(handler) ?? null;
  const onBatch = (count: number) => {
    if (socket === null || views === null) return;
    const { input, output, meta } = views;
    for (let slot = 0; slot < count; slot++) {
      const m = slot * META_STRIDE;
      const length = meta[m] as number;
      if (length === 0) continue;
      const query = input.subarray(slot * SLOT, slot * SLOT + length);
      try {
        const family = meta[m + 1] === 6 ? 6 : 4;
        const answer = into ? into(query, family, output, slot * SLOT, SLOT) : handler.answerNow(query, family);
        if (typeof answer === 'number') {
          meta[m + 2] = answer;
          continue;
        }
        if (answer !== null) {
          if (answer.length <= SLOT) {
            answer.copy(output, slot * SLOT);
            meta[m + 2] = answer.length;
          } else {
            socket.sendTo(answer, socket.peer(slot));
          }
          continue;
        }
        const peer = socket.peer(slot);
        const [address, port] = native.address(peer);
        handler.answer(Buffer.from(query), { address, port }).then(
          (later) => {
            if (later && socket) socket.sendTo(later, peer);
          },
          (err: unknown) => handler.onError?.(err),
        );
      } catch (err) {
        handler.onError?.(err);
      }
    }
  };
  const bound = native.bind(options.host, options.port, net.isIPv6(options.host), options.reusePort === true, onBatch);
  socket = bound;
  views = { input: Buffer.from(bound.in), output: Buffer.from(bound.out), meta: new Int32Array(bound.meta) };
  let closing: Promise<void> | undefined;
  return {
    port: bound.port,
    io: 'batched',
    dropped: () => bound.stats()[0],
    leave: () => {
      if (socket === null) return false;
      socket.leave();
      return true;
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        socket = null;
        bound.close(resolve);
      })),
  };
}

function bindDgram(options: UdpOptions, handler: UdpHandler): Promise<UdpEndpoint> {
  const reusePort = options.reusePort === true;
  const udp = dgram.createSocket({ type: net.isIPv6(options.host) ? 'udp6' : 'udp4', reuseAddr: reusePort, reusePort, lookup: addressLookup });
  let closed = false;
  // No send callback: with one, Node defers a tick per datagram even when the send succeeded at once.
  const send = (answer: Buffer, rinfo: UdpPeer) => udp.send(answer, rinfo.port, rinfo.address);
  udp.on('error', (err) => handler.onError?.(err));
  udp.on('message', (msg, rinfo) => {
    // As the batched I/O does: a datagram larger than its receive slot is no query we serve over UDP.
    if (msg.length > MAX_QUERY) return;
    try {
      const answer = handler.answerNow(msg, rinfo.family === 'IPv6' ? 6 : 4);
      if (answer !== null) {
        send(answer, rinfo);
        return;
      }
      handler.answer(msg, { address: rinfo.address, port: rinfo.port }).then(
        (answer) => {
          if (answer && !closed) send(answer, rinfo);
        },
        (err: unknown) => handler.onError?.(err),
      );
    } catch (err) {
      handler.onError?.(err);
    }
  });
  return new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(options.port, options.host, () => {
      udp.off('error', reject);
      let closing: Promise<void> | undefined;
      resolve({
        port: udp.address().port,
        io: 'dgram',
        dropped: () => 0,
        leave: () => false,
        close: () =>
          (closing ??= new Promise<void>((done) => {
            closed = true;
            udp.close(() => done());
          })),
      });
    });
  });
}

/**
 * UDP replies go to the address a query came from, always an IP: answering the socket's lookup at once
 * saves dns.lookup and a tick per reply. Anything else goes to dns.lookup as usual.
 */
function addressLookup(address: string, family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  const f = net.isIP(address);
  if (f !== 0) callback(null, address, f);
  else dns.lookup(address, family as number, callback);
}
