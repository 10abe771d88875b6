// The index's answers on the wire: @halo/testing's server double encodes them with dns-packet, and Node's
// own resolver (c-ares) asks. Shows the records are well-formed for a real client, NXDOMAIN/NODATA included.
import dnsPacket from 'dns-packet';
import type { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolver as resolverAt, startTestUpstream, type TestUpstream } from '@halo/testing';
import { defaultZoneOptions, ZoneIndex } from '../src/index.ts';
import { demoCluster, keyed } from './cluster.ts';

const rcodes = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

let server: TestUpstream;
let resolver: Resolver;

beforeAll(async () => {
  const idx = new ZoneIndex(defaultZoneOptions({ pods: 'insecure' }));
  for (const [k, rs] of keyed(demoCluster())) idx.put(k, rs);
  server = await startTestUpstream((query) => {
    const q = query.questions?.[0];
    if (!q) return 'drop';
    const a = idx.answer({ name: q.name, type: q.type });
    const rcode = a ? rcodes[a.rcode] : rcodes.REFUSED;
    return {
      type: 'response',
      id: query.id ?? 0,
      flags: (dnsPacket.AUTHORITATIVE_ANSWER * (a?.authoritative ? 1 : 0)) | rcode,
      questions: [q],
      answers: a?.answers ?? [],
      authorities: a?.authorities ?? [],
      additionals: a?.additionals ?? [],
    };
  });
  resolver = resolverAt(server.port);
});

afterAll(() => server.close());

const S = 'shop.svc.cluster.local';

describe('answers through a real DNS client', () => {
  it.each([
    ['resolve4', `web.${S}`, ['10.96.0.10']],
    ['resolve4', `db.${S}`, ['10.0.2.1', '10.0.2.2', '10.0.2.3']],
    ['resolve6', `dual.${S}`, ['fd00::11']],
    ['resolve4', '10-1-2-3.shop.pod.cluster.local', ['10.1.2.3']],
    ['resolveCname', `ext.${S}`, ['www.example.com']],
    ['resolvePtr', '10.0.96.10.in-addr.arpa', [`web.${S}`]],
    ['resolvePtr', '1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', [`dual.${S}`]],
    ['resolveTxt', 'dns-version.cluster.local', [['1.1.0']]],
  ] as const)('%s %s', async (method, name, expected) => {
    const got = (await (resolver[method] as (n: string) => Promise<unknown[]>)(name)) as unknown[];
    expect([...got].sort()).toEqual([...expected].sort());
  });

  it('SRV', async () => {
    const got = await resolver.resolveSrv(`_mysql._tcp.db.${S}`);
    expect(got.map((r) => `${r.priority} ${r.weight} ${r.port} ${r.name}`).sort()).toEqual(
      [`0 25 3306 db-0.db.${S}`, `0 25 3306 db-1.db.${S}`, `0 25 3306 10-0-2-3.db.${S}`].sort(),
    );
  });

  it('SOA', async () => {
    const soa = await resolver.resolveSoa('cluster.local');
    expect(soa).toMatchObject({ nsname: 'ns.dns.cluster.local', hostmaster: 'hostmaster.cluster.local', refresh: 7200, retry: 1800, expire: 86400, minttl: 5 });
  });

  it.each([
    [`nope.${S}`, 'ENOTFOUND'],
    [`web.${S}`, 'ENODATA', 'resolve6'],
    [S, 'ENODATA'],
    ['example.com', 'EREFUSED'],
  ] as const)('%s fails with %s', async (name, code, method: 'resolve4' | 'resolve6' = 'resolve4') => {
    await expect(resolver[method](name)).rejects.toMatchObject({ code });
  });
});
