// One DNS query to the cache over a connected UDP socket: a dead process shows as ICMP port unreachable
// (ECONNREFUSED) at once instead of a timeout.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

export interface ProbeTarget {
  host: string;
  port: number;
  name: string;
  type: 'A' | 'AAAA' | 'SOA' | 'NS' | 'TXT';
}

export type ProbeResult =
  { answered: true; rcode: string; ms: number } | { answered: false; reason: 'timeout' | 'refused' | 'bad-rcode' | 'error'; message: string; ms: number };

/** The answers that show a working cache; SERVFAIL or REFUSED for a name it should know do not. */
const healthyRcodes = new Set(['NOERROR', 'NXDOMAIN']);

export function probe(target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  // Not node:crypto: loading it is 1.2 MB of the guard's memory (the bundle at rest), and the ID needs no
  // secrecy: the socket is connected to the node's own cache and takes replies from that address alone.
  const id = Math.floor(Math.random() * 65536);
  const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: target.type, name: target.name, class: 'IN' }] });
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ answered: false, reason: 'timeout', message: `no answer within ${timeoutMs} ms`, ms: elapsed() }), timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const refused = err.code === 'ECONNREFUSED';
      finish({ answered: false, reason: refused ? 'refused' : 'error', message: refused ? 'nothing listens (port unreachable)' : err.message, ms: elapsed() });
    });
    socket.on('message', (msg) => {
      if (msg.length < 12 || msg.readUInt16BE(0) !== id) return;
      let rcode: string;
      try {
        rcode = (dnsPacket.decode(msg) as { rcode?: string }).rcode ?? 'NOERROR';
      } catch (err) {
        finish({ answered: false, reason: 'error', message: `undecodable reply: ${(err as Error).message}`, ms: elapsed() });
        return;
      }
      if (healthyRcodes.has(rcode)) finish({ answered: true, rcode, ms: elapsed() });
      else finish({ answered: false, reason: 'bad-rcode', message: `answered ${rcode}`, ms: elapsed() });
    });
    socket.connect(target.port, target.host, () => {
      socket.send(query, (err) => {
        if (err) finish({ answered: false, reason: 'error', message: err.message, ms: elapsed() });
      });
    });
  });
}
