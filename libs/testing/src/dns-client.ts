import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { promises as dns } from 'node:dns';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, OptAnswer, Packet, Question, RecordType } from 'dns-packet';
import { TestingError } from './errors.ts';

export interface QueryOptions {
  tcp?: boolean;
  timeoutMs?: number;
  id?: number;
  /** Adds an OPT record advertising this UDP payload size (EDNS(0)). */
  edns?: number;
  /** Recursion desired (default true, as stub resolvers send). */
  rd?: boolean;
}

/** A decoded response; dns-packet sets `rcode` (from the low flag bits) though its types omit it. */
export type DnsResponse = DecodedPacket & { rcode: string };

export interface DnsServerAddress {
  host?: string;
  port: number;
}

function optRecord(udpPayloadSize: number): OptAnswer {
  return { type: 'OPT', name: '.', udpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
}

/** The query as bytes, exactly as `query` sends it; for tests that need to tamper with the wire form. */
export function encodeQuery(name: string, type = 'A', options: QueryOptions = {}): Buffer {
  const question: Question = { name, type: type as RecordType, class: 'IN' };
  const packet: Packet = {
    type: 'query',
    id: options.id ?? Math.floor(Math.random() * 65_536),
    flags: options.rd === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [question],
    additionals: options.edns !== undefined ? [optRecord(options.edns)] : [],
  };
  return dnsPacket.encode(packet);
}

/** Sends one raw query over UDP or TCP and returns the decoded response (rcode in flags, AA, TC ...). */
export function query(server: DnsServerAddress, name: string, type = 'A', options: QueryOptions = {}): Promise<DnsResponse> {
  const message = encodeQuery(name, type, options);
  return exchange(server, message, options);
}

/** Sends raw bytes as a query and decodes the response. */
export async function exchange(server: DnsServerAddress, message: Buffer, options: { tcp?: boolean; timeoutMs?: number } = {}): Promise<DnsResponse> {
  const host = server.host ?? '127.0.0.1';
  const reply = await exchangeWire(server, message, options);
  try {
    return dnsPacket.decode(reply) as DnsResponse;
  } catch (error) {
    throw new TestingError('malformed-response', `undecodable answer from ${host}:${server.port}: ${(error as Error).message}`);
  }
}

/**
 * Sends raw bytes as a query and returns the reply as bytes (UDP: the first datagram with the query's
 * ID). `from`: the UDP source address (e.g. 127.0.0.2, for a server's access rules).
 */
export function exchangeWire(server: DnsServerAddress, message: Buffer, options: { tcp?: boolean; timeoutMs?: number; from?: string } = {}): Promise<Buffer> {
  const host = server.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? 2_000;
  if (options.tcp) return pipelineTcp(server, [message], { timeoutMs }).then((replies) => replies[0]);
  return exchangeUdp(host, server.port, message, timeoutMs, options.from);
}

function exchangeUdp(host: string, port: number, message: Buffer, timeoutMs: number, from?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const id = message.readUInt16BE(0);
    const finish = (error: Error | undefined, reply?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(reply as Buffer);
    };
    const timer = setTimeout(() => finish(new TestingError('timeout', `no UDP answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('message', (data) => {
      // A stray datagram with another id is not our answer; keep waiting.
      if (data.length < 2 || data.readUInt16BE(0) !== id) return;
      finish(undefined, data);
    });
    socket.on('error', (error) => finish(new TestingError('socket-error', `UDP to ${host}:${port}: ${error.message}`)));
    if (from === undefined) socket.send(message, port, host);
    else socket.bind(0, from, () => socket.send(message, port, host));
  });
}

/**
 * Writes every message on one TCP connection in one write (pipelined, RFC 7766) and returns the first
 * `count` replies (default: one per message) in the order they arrive.
 */
export function pipelineTcp(server: DnsServerAddress, messages: readonly Buffer[], options: { count?: number; timeoutMs?: number } = {}): Promise<Buffer[]> {
  const host = server.host ?? '127.0.0.1';
  const port = server.port;
  const count = options.count ?? messages.length;
  const timeoutMs = options.timeoutMs ?? 2_000;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const replies: Buffer[] = [];
    let buffered = Buffer.alloc(0);
    const finish = (error: Error | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(replies);
    };
    const timer = setTimeout(
      () => finish(new TestingError('timeout', `${replies.length} of ${count} TCP answers from ${host}:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('connect', () => {
      socket.write(Buffer.concat(messages.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 255]), m]))));
    });
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        replies.push(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
      }
      if (replies.length >= count) finish(undefined);
    });
    socket.on('error', (error) => finish(new TestingError('socket-error', `TCP to ${host}:${port}: ${error.message}`)));
    socket.on('close', () => finish(new TestingError('closed', `${host}:${port} closed the TCP connection after ${replies.length} of ${count} answers`)));
  });
}

/**
 * Sends bytes and waits for no answer, for input a server may rightly ignore (malformed, truncated).
 * UDP: each message one datagram, from one socket. TCP: the bytes exactly as given, no length prefix
 * added (frame them yourself, or not), on one connection that is then closed; resolves when the server
 * has closed it too, or after timeoutMs.
 */
export function sendWire(server: DnsServerAddress, messages: readonly Buffer[], options: { tcp?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const host = server.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? 2_000;
  if (!options.tcp) {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const sent = messages.map((m) => new Promise<void>((resolve) => socket.send(m, server.port, host, () => resolve())));
    return Promise.all(sent).then(() => {
      socket.close();
    });
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port: server.port }, () => socket.end(Buffer.concat(messages)));
    socket.on('data', () => undefined); // whatever the server says to garbage is not the point
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.setTimeout(timeoutMs, () => socket.destroy());
  });
}

/** Node's real resolver (c-ares) pointed at 127.0.0.1:port, with one try and a short timeout. */
export function resolver(port: number, options: { timeoutMs?: number; tries?: number } = {}): dns.Resolver {
  const r = new dns.Resolver({ timeout: options.timeoutMs ?? 2_000, tries: options.tries ?? 1 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}
