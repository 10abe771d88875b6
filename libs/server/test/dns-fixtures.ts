// Fixtures of the plugin tests: servers forwarding to a test upstream (@halo/testing's), requests as
// the server hands them to a plugin, and a SetupContext for one directive.
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import { afterEach } from 'vitest';
import { parseCorefile, type Directive } from '@halo/corefile';
import { startTestUpstream, type Reply, type TestUpstream } from '@halo/testing';
import type { DnsRequest, DnsResponse, Next, SetupContext } from '../src/plugin.ts';
import { loadServer, ServerScope, type DnsServer, type LoadOptions } from '../src/index.ts';

export { reply, startTestUpstream, type Reply, type TestUpstream } from '@halo/testing';

/** A server forwarding to its test upstream. */
export interface ForwardingServer {
  server: DnsServer;
  upstream: TestUpstream;
  /** The server's first UDP port. */
  port: number;
}

/**
 * Starts servers whose Corefile forwards to a test upstream (`corefile` gets the upstream's
 * `127.0.0.1:PORT`); every server and upstream started is closed after each test of the file.
 */
export function forwardingServers(): {
  start(corefile: (upstream: string) => string, answer: (q: DecodedPacket) => Reply, listen?: LoadOptions['listen']): Promise<ForwardingServer>;
} {
  const started: ForwardingServer[] = [];
  afterEach(async () => {
    for (const { server, upstream } of started.splice(0)) {
      await server.close();
      await upstream.close();
    }
  });
  return {
    async start(corefile, answer, listen = { host: '127.0.0.1', port: 0 }) {
      const upstream = await startTestUpstream(answer);
      const loaded = await loadServer(corefile(`127.0.0.1:${upstream.port}`), { context: {}, listen });
      if (!loaded.ok) {
        await upstream.close();
        throw new Error(JSON.stringify(loaded.errors));
      }
      const port = loaded.server.addresses().find((a) => a.transport === 'udp')?.port ?? 0;
      const pair = { server: loaded.server, upstream, port };
      started.push(pair);
      return pair;
    },
  };
}

export function request(qname: string, qtype = 'A', options: Partial<DnsRequest> = {}): DnsRequest {
  const name = qname.replace(/\.$/, '');
  return {
    id: 4242,
    qname: name,
    qnameLower: name.toLowerCase(),
    qtype,
    qclass: 'IN',
    query: { type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: qtype as 'A', class: 'IN' }] },
    transport: 'udp',
    remote: { address: '127.0.0.1', port: 40000 },
    udpSize: 512,
    edns: false,
    dnssecOk: false,
    zone: '.',
    ...options,
  };
}

/** The end of a chain in tests: says NXDOMAIN with a marker so tests see that `next` was called. */
export const nextMarker: Next = async () => ({
  rcode: 'NXDOMAIN',
  answers: [],
  authorities: [],
  additionals: [{ name: 'next.invalid', type: 'TXT', data: 'next' }],
});

export function calledNext(r: DnsResponse): boolean {
  return r.additionals.some((a) => a.name === 'next.invalid');
}

/** Parses `. {\n<directive text>\n}` and returns the first directive and a SetupContext for it. */
export function directiveFrom(
  text: string,
  shared: SetupContext['shared'] = {},
): { directive: Directive; ctx: SetupContext; closers: (() => void | Promise<void>)[] } {
  const parsed = parseCorefile(`. {\n${text}\n}`, 'Corefile', { env: {}, readFile: () => null });
  if (!parsed.ok) throw new Error(`test Corefile does not parse: ${JSON.stringify(parsed.errors)}`);
  const serverBlock = parsed.corefile.blocks[0];
  const closers: (() => void | Promise<void>)[] = [];
  return {
    directive: serverBlock.directives[0],
    ctx: { file: 'Corefile', serverBlock, shared, scope: new ServerScope(shared), onClose: (fn) => closers.push(fn) },
    closers,
  };
}

export const qname = (q: Packet): string => q.questions?.[0]?.name ?? '';
export const qtype = (q: Packet): string => q.questions?.[0]?.type ?? '';

/** `name ttl TYPE data` of an answer, for table expectations. */
export function answerText(a: DnsResponse['answers'][number]): string {
  return `${a.name} ${'ttl' in a ? a.ttl : ''} ${a.type} ${'data' in a ? (typeof a.data === 'object' && !Buffer.isBuffer(a.data) ? JSON.stringify(a.data) : String(a.data)) : ''}`;
}

/** The cluster zone's SOA, for upstream answers that deny (NXDOMAIN, NODATA). */
export const clusterSoa: Answer = {
  name: 'cluster.local',
  type: 'SOA',
  ttl: 30,
  data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
};
