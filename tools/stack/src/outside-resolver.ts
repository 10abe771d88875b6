// What the stack's answerers and node cache forward names outside the cluster zone to in tests: a
// resolver on loopback that knows no name. It answers at once (NXDOMAIN), so `loop`'s probe and any
// outside question get a reply without a query ever leaving the machine.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface OutsideResolver {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startOutsideResolver(host = '127.0.0.1'): Promise<OutsideResolver> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', (message, peer) => {
    let asked: dnsPacket.Packet;
    try {
      asked = dnsPacket.decode(message);
    } catch {
      return; // not a DNS message: nothing to answer
    }
    const reply = dnsPacket.encode({
      type: 'response',
      id: asked.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | 3, // rcode 3: NXDOMAIN
      questions: asked.questions,
    });
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => resolve());
  });
  return {
    host,
    port: socket.address().port,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
