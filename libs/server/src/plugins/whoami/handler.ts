// As CoreDNS: the client's address as A/AAAA and its port as SRV, in the additional section.
import { isIPv6 } from 'node:net';
import type { Answer } from 'dns-packet';
import type { Handler } from '../../types.ts';

export function whoamiHandler(): Handler {
  return {
    name: 'whoami',
    transparent: true,
    async serve(req) {
      const address = req.remote.address.replace(/^::ffff:(?=\d+\.)/, '');
      const ip: Answer = isIPv6(address) ? { type: 'AAAA', name: req.qname, ttl: 0, data: address } : { type: 'A', name: req.qname, ttl: 0, data: address };
      const srv: Answer = { type: 'SRV', name: `_${req.transport}.${req.qname}`, ttl: 0, data: { priority: 0, weight: 0, port: req.remote.port, target: '.' } };
      return { rcode: 'NOERROR', authoritative: true, answers: [], authorities: [], additionals: [ip, srv] };
    },
  };
}
