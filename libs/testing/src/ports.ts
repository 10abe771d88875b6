import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { TestingError } from './errors.ts';

// Ports handed out below Linux's ephemeral range (32768-60999 by default): a port the kernel picked
// from that range can be taken, between the check and the server's bind, by any outgoing connection of
// the tests running beside (NATS clients, HTTP, DNS), which made servers fail with EADDRINUSE.
const low = 20_000;
const high = 32_767;

function tcpPortFree(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

function udpPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/** A port free on 127.0.0.1 for TCP (and for UDP too with `udp: true`, as a DNS server needs both). */
export async function freePort(options: { udp?: boolean; host?: string } = {}): Promise<number> {
  const host = options.host ?? '127.0.0.1';
  for (let attempt = 0; attempt < 20; attempt++) {
    const wanted = low + Math.floor(Math.random() * (high - low + 1));
    const port = await tcpPortFree(host, wanted).catch(() => null);
    if (port !== null && (!options.udp || (await udpPortFree(host, port)))) return port;
  }
  throw new TestingError('no-free-port', `found no port free for both TCP and UDP on ${host} after 20 tries`);
}
