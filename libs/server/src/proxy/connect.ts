// Talking to one upstream resolver: one query over UDP or TCP on a fresh socket (CoreDNS's
// plugin/pkg/proxy/connect.go). The pool (plugins/forward) decides whom to ask, this only asks.
import dgram from 'node:dgram';
import net from 'node:net';
import { frameTcp, rcodeName, TcpMessageReader } from '@halo/dns';

export interface UpstreamAddress {
  host: string;
  port: number;
}

export type ExchangeErrorCode = 'TIMEOUT' | 'NETWORK' | 'BAD_RESPONSE' | 'NO_UPSTREAM';

/** Why a try at one upstream failed, as a value the pool branches on. */
export class ExchangeFailure extends Error {
  readonly code: ExchangeErrorCode;
  constructor(code: ExchangeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** `1.2.3.4:53`, `[::1]:53`: the `to` label of CoreDNS's metrics. */
export function upstreamName(a: UpstreamAddress): string {
  return net.isIPv6(a.host) ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** The rcode of a reply, by name (`RCODE<n>` for unknown ones). */
export function responseRcode(message: Buffer): string {
  return rcodeName(message.readUInt16BE(2) & 0xf);
}

/** True when the reply has TC set: it did not fit, ask again over TCP. */
export function truncated(message: Buffer): boolean {
  return (message.readUInt16BE(2) & 0x0200) !== 0;
}

/** A copy of the message with another ID. */
export function withId(message: Buffer, id: number): Buffer {
  const copy = Buffer.from(message);
  copy.writeUInt16BE(id, 0);
  return copy;
}

/** One query over UDP on a fresh socket; resolves with the first reply whose ID matches. */
export function exchangeUdp(to: UpstreamAddress, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(to.host) ? 'udp6' : 'udp4');
    const id = message.readUInt16BE(0);
    const timer = setTimeout(() => finish(new ExchangeFailure('TIMEOUT', `no UDP reply from ${upstreamName(to)} within ${timeoutMs} ms`)), timeoutMs);
    let done = false;
    function finish(result: Buffer | ExchangeFailure): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (result instanceof ExchangeFailure) reject(result);
      else resolve(result);
    }
    socket.on('error', (err) => finish(new ExchangeFailure('NETWORK', `UDP to ${upstreamName(to)}: ${err.message}`)));
    socket.on('message', (reply, rinfo) => {
      // Ignore strays: a reply must come from the upstream and carry our ID.
      if (reply.length < 12 || reply.readUInt16BE(0) !== id || rinfo.port !== to.port) return;
      finish(reply);
    });
    socket.send(message, to.port, to.host, (err) => {
      if (err) finish(new ExchangeFailure('NETWORK', `UDP to ${upstreamName(to)}: ${err.message}`));
    });
  });
}

/** One query over a fresh TCP connection, length-prefixed (RFC 1035 4.2.2). */
export function exchangeTcp(to: UpstreamAddress, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: to.host, port: to.port });
    const reader = new TcpMessageReader();
    let done = false;
    const timer = setTimeout(() => finish(new ExchangeFailure('TIMEOUT', `no TCP reply from ${upstreamName(to)} within ${timeoutMs} ms`)), timeoutMs);
    function finish(result: Buffer | ExchangeFailure): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof ExchangeFailure) reject(result);
      else resolve(result);
    }
    socket.on('connect', () => socket.write(frameTcp(message)));
    socket.on('error', (err) => finish(new ExchangeFailure('NETWORK', `TCP to ${upstreamName(to)}: ${err.message}`)));
    socket.on('close', () => finish(new ExchangeFailure('NETWORK', `TCP to ${upstreamName(to)}: closed before a reply`)));
    socket.on('data', (chunk: Buffer) => {
      const [reply] = reader.push(chunk);
      if (reply === undefined) return;
      if (reply.length < 12) finish(new ExchangeFailure('BAD_RESPONSE', `TCP from ${upstreamName(to)}: a reply shorter than a DNS header`));
      else finish(reply);
    });
  });
}
