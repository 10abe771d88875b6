import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { TestingError } from './errors.ts';

function tcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
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
    const port = await tcpPort(host);
    if (!options.udp || (await udpPortFree(host, port))) return port;
  }
  throw new TestingError('no-free-port', `found no port free for both TCP and UDP on ${host} after 20 tries`);
}
