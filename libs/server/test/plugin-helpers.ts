// Helpers for plugin table tests: run a plugin's setup on one Corefile line; make a request.
import { parseCorefile } from '@halo/corefile';
import type { DnsRequest, Handler, PluginSetup } from '../src/types.ts';
import { ServerScope } from '../src/scope.ts';

export function setupOf(p: PluginSetup, line: string): Handler | string[] {
  const parsed = parseCorefile(`.:53 {\n${line}\n}\n`, 'Corefile');
  if (!parsed.ok) return parsed.errors.map((e) => e.message);
  const sb = parsed.corefile.blocks[0];
  const r = p.setup(sb.directives[0], { file: 'Corefile', serverBlock: sb, shared: {}, scope: new ServerScope(), onClose: () => undefined });
  return Array.isArray(r) ? r.map((e) => `${e.line}:${e.column} ${e.message}`) : r;
}

export function request(qname: string, qtype = 'A', extra: Partial<DnsRequest> = {}): DnsRequest {
  return {
    id: 1,
    qname,
    qnameLower: qname.toLowerCase(),
    qtype,
    qclass: 'IN',
    query: {},
    transport: 'udp',
    remote: { address: '10.0.0.9', port: 5353 },
    udpSize: 512,
    edns: false,
    dnssecOk: false,
    zone: '.',
    ...extra,
  };
}
