// ExternalNames whose target is in the cluster zone, over real sockets: the answerer chases them (fast path
// and `cache` included), and a node cache in front of it (cache + forward) serves the whole chain and
// drops it when the bus names the target, as CoreDNS's "CNAME External To Internal Service" answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namesOf, defaultZoneOptions } from '@halo/zone';
import { query as ask, type DnsResponse } from '@halo/testing';
import type { DnsServer } from '../src/index.ts';
import { MemoryRecordSets, service, startServer } from './helpers.ts';

const S = 'shop.svc.cluster.local';
const web = (ip: string) => service('shop', 'web', { clusterIPs: [ip], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
const alias = (name: string, target: string) => service('shop', name, { type: 'ExternalName', externalName: target });
const source = new MemoryRecordSets([
  web('10.96.0.10'),
  service('shop', 'db', {
    type: 'Headless',
    endpoints: [{ addresses: ['10.1.0.1'], hostname: 'db-0', ready: true, ports: [{ name: 'sql', protocol: 'TCP', port: 5432 }] }],
  }),
  alias('to-web', `web.${S}`),
  alias('to-db-port', `_sql._tcp.db.${S}`),
  alias('to-alias', `to-web.${S}`),
  alias('to-nothing', `nothing.${S}`),
  alias('outside', 'www.example.com'),
]);

const answerer = `cluster.local:53 {
    kubernetes cluster.local {
        ttl 30
    }
    cache 30
    loadbalance
}
`;
const nodeCache = (port: number) => `cluster.local:53 {
    cache {
        success 9984 30
        denial 9984 5
    }
    forward . 127.0.0.1:${port}
}
`;

let pool: { server: DnsServer; port: number };
let cache: { server: DnsServer; port: number };

beforeAll(async () => {
  pool = await startServer(answerer, source);
  cache = await startServer(nodeCache(pool.port), new MemoryRecordSets());
});
afterAll(async () => {
  await cache?.server.close();
  await pool?.server.close();
});

const lines = (r: DnsResponse, section: 'answers' | 'additionals' = 'answers') =>
  (r[section] ?? []).filter((a) => a.type !== 'OPT').map((a) => `${a.name} ${a.type} ${typeof a.data === 'object' ? JSON.stringify(a.data) : String(a.data)}`);

const table: [string, string, { rcode: string; answers: string[]; additionals?: string[] }][] = [
  [`to-web.${S}`, 'A', { rcode: 'NOERROR', answers: [`to-web.${S} CNAME web.${S}`, `web.${S} A 10.96.0.10`] }],
  [`to-alias.${S}`, 'A', { rcode: 'NOERROR', answers: [`to-alias.${S} CNAME to-web.${S}`, `to-web.${S} CNAME web.${S}`, `web.${S} A 10.96.0.10`] }],
  [`to-web.${S}`, 'AAAA', { rcode: 'NOERROR', answers: [`to-web.${S} CNAME web.${S}`] }],
  [
    `to-db-port.${S}`,
    'SRV',
    {
      rcode: 'NOERROR',
      answers: [`to-db-port.${S} CNAME _sql._tcp.db.${S}`, `_sql._tcp.db.${S} SRV {"priority":0,"weight":100,"port":5432,"target":"db-0.db.${S}"}`],
      additionals: [`db-0.db.${S} A 10.1.0.1`],
    },
  ],
  [`to-web.${S}`, 'CNAME', { rcode: 'NOERROR', answers: [`to-web.${S} CNAME web.${S}`] }],
  [`to-nothing.${S}`, 'A', { rcode: 'NXDOMAIN', answers: [`to-nothing.${S} CNAME nothing.${S}`] }],
  [`outside.${S}`, 'A', { rcode: 'NOERROR', answers: [`outside.${S} CNAME www.example.com`] }],
];

describe.each([
  ['the answerer', () => pool.port],
  ['a node cache in front of it', () => cache.port],
])('%s', (_label, port) => {
  it.each(table)('%s %s', async (name, type, expected) => {
    // Three times: the whole way, then the answerer's and the node cache's pre-encoded copies.
    for (let i = 0; i < 3; i++) {
      const r = await ask({ port: port() }, name, type);
      expect(r.rcode).toBe(expected.rcode);
      expect(r.flag_aa).toBe(true);
      expect(lines(r).sort()).toEqual([...expected.answers].sort());
      if (expected.additionals) expect(lines(r, 'additionals')).toEqual(expected.additionals);
    }
  });
});

describe('a change of the target', () => {
  it("reaches the chased answers at the answerer and, told the target's names, at the node cache", async () => {
    const addressOf = async (port: number) => lines(await ask({ port }, `to-alias.${S}`, 'A')).find((l) => l.startsWith(`web.${S} A`));
    expect(await addressOf(pool.port)).toBe(`web.${S} A 10.96.0.10`);
    expect(await addressOf(cache.port)).toBe(`web.${S} A 10.96.0.10`);
    const [key, changed] = web('10.96.0.20');
    source.put(key, changed);
    expect(await addressOf(pool.port)).toBe(`web.${S} A 10.96.0.20`);
    // The bus names only what the record set of web answers for; the node cache finds the chains through them.
    cache.server.invalidate(namesOf(changed, defaultZoneOptions()));
    expect(await addressOf(cache.port)).toBe(`web.${S} A 10.96.0.20`);
  });
});
