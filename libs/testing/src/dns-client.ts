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
export function exchange(server: DnsServerAddress, message: Buffer, options: { tcp?: boolean; timeoutMs?: number } = {}): Promise<DnsResponse> {
  const host = server.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? 2_000;
  return options.tcp ? exchangeTcp(host, server.port, message, timeoutMs) : exchangeUdp(host, server.port, message, timeoutMs);
}

function exchangeUdp(host: string, port: number, message: Buffer, timeoutMs: number): Promise<DnsResponse> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const id = message.readUInt16BE(0);
    const finish = (error: Error | undefined, packet?: DnsResponse) => {
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(packet as DnsResponse);
    };
    const timer = setTimeout(
      () => finish(new TestingError('timeout', `no UDP answer from ${host}:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('message', (data) => {
      // A stray datagram with another id is not our answer; keep waiting.
      if (data.length < 2 || data.readUInt16BE(0) !== id) return;
      try {
        finish(undefined, dnsPacket.decode(data) as DnsResponse);
      } catch (error) {
        finish(new TestingError('malformed-response', `undecodable answer from ${host}:${port}: ${(error as Error).message}`));
      }
    });
    socket.on('error', (error) => finish(new TestingError('socket-error', `UDP to ${host}:${port}: ${error.message}`)));
    socket.send(message, port, host);
  });
}

function exchangeTcp(host: string, port: number, message: Buffer, timeoutMs: number): Promise<DnsResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffered = Buffer.alloc(0);
    const finish = (error: Error | undefined, packet?: DnsResponse) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(packet as DnsResponse);
    };
    const timer = setTimeout(
      () => finish(new TestingError('timeout', `no TCP answer from ${host}:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      const size = buffered.readUInt16BE(0);
      if (buffered.length < 2 + size) return;
      try {
        finish(undefined, dnsPacket.decode(buffered.subarray(2, 2 + size)) as DnsResponse);
      } catch (error) {
        finish(new TestingError('malformed-response', `undecodable answer from ${host}:${port}: ${(error as Error).message}`));
      }
    });
    socket.on('error', (error) => finish(new TestingError('socket-error', `TCP to ${host}:${port}: ${error.message}`)));
    socket.on('end', () => finish(new TestingError('closed', `${host}:${port} closed the TCP connection without an answer`)));
  });
}

/** Node's real resolver (c-ares) pointed at 127.0.0.1:port, with one try and a short timeout. */
export function resolver(port: number, options: { timeoutMs?: number; tries?: number } = {}): dns.Resolver {
  const r = new dns.Resolver({ timeout: options.timeoutMs ?? 2_000, tries: options.tries ?? 1 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}
