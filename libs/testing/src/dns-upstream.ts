// A DNS server double for tests: answers on 127.0.0.1 or a given address (UDP and TCP on one port) whatever the test
// says, and remembers what it was asked (CoreDNS's plugin/pkg/dnstest plays this part).
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket, type Packet } from 'dns-packet';
import { TestingError } from './errors.ts';

/** The reply to send, or 'drop' to stay silent (a dead upstream). */
export type Reply = Packet | 'drop' | Promise<Packet | 'drop'>;

export interface TestUpstream {
  host: string;
  port: number;
  /** Every query received, with the transport it came on. */
  seen: { name: string; type: string; transport: 'udp' | 'tcp'; rd: boolean }[];
  close(): Promise<void>;
}

export function reply(query: DecodedPacket, answers: Packet['answers'] = [], rcode = 0, extraFlags = 0): Packet {
  return { type: 'response', id: query.id, flags: dnsPacket.RECURSION_AVAILABLE | rcode | extraFlags, questions: query.questions, answers };
}

export interface TestUpstreamOptions {
  /** The address to listen on (default 127.0.0.1; an IPv6 one listens on udp6). */
  host?: string;
  /** A fixed port (e.g. to come back where a stopped double was); default a free one. */
  port?: number;
}

export async function startTestUpstream(
  answer: (q: DecodedPacket, transport: 'udp' | 'tcp') => Reply,
  options: TestUpstreamOptions = {},
): Promise<TestUpstream> {
  const host = options.host ?? '127.0.0.1';
  for (let attempt = 0; ; attempt++) {
    const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const bound = await new Promise<Error | null>((resolve) => {
      udp.once('error', resolve);
      udp.bind(options.port ?? 0, host, () => resolve(null));
    });
    if (bound) throw new TestingError('no-port', `UDP ${host}:${options.port ?? 0}: ${bound.message}`);
    const port = udp.address().port;
    const tcp = net.createServer();
    const listening = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, host, () => resolve(true));
    });
    if (!listening) {
      udp.close();
      if (options.port !== undefined) throw new TestingError('no-port', `TCP ${host}:${port} is taken`);
      if (attempt > 20) throw new TestingError('no-port', 'no port free for both UDP and TCP');
      continue;
    }
    const seen: TestUpstream['seen'] = [];
    const handle = async (msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | null> => {
      let q: DecodedPacket;
      try {
        q = dnsPacket.decode(msg);
      } catch {
        return null; // not a DNS message: nothing to answer (a resolver would say FORMERR; a double need not)
      }
      const question = q.questions?.[0];
      seen.push({ name: question?.name ?? '', type: question?.type ?? '', transport, rd: q.flag_rd });
      const r = await answer(q, transport);
      return r === 'drop' ? null : dnsPacket.encode(r);
    };
    udp.on('message', (msg, rinfo) => {
      void handle(msg, 'udp').then((out) => out && udp.send(out, rinfo.port, rinfo.address));
    });
    const sockets = new Set<net.Socket>();
    tcp.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      let buffered = Buffer.alloc(0);
      socket.on('error', () => socket.destroy());
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          const msg = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
          buffered = buffered.subarray(2 + msg.length);
          void handle(msg, 'tcp').then((out) => {
            if (!out) return;
            const prefix = Buffer.alloc(2);
            prefix.writeUInt16BE(out.length);
            socket.write(Buffer.concat([prefix, out]));
          });
        }
      });
    });
    return {
      host,
      port,
      seen,
      close: async () => {
        udp.close();
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => tcp.close(() => resolve()));
      },
    };
  }
}
