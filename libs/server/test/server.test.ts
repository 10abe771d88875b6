import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { Resolver } from 'node:dns/promises';
import { kubeadmCorefile } from '@halo/corefile';
import { resolver as nodeResolver } from '@halo/testing';
import { validateCorefile, type DnsServer } from '../src/index.ts';
import { decode, fastPathHits, MemoryRecordSets, opt, query, service, startServer, tcpExchange, udpExchange } from './helpers.ts';

const many = Array.from({ length: 60 }, (_, i) => `10.1.${i >> 8}.${i & 255}`);
const source = new MemoryRecordSets([
  service('shop', 'web', { clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] }),
  service('shop', 'big', { type: 'Headless', endpoints: [{ addresses: many, ready: true, ports: [] }] }),
  service('shop', 'ext', { type: 'ExternalName', externalName: 'example.org' }),
]);

const corefile = (extra = '') => `cluster.local:53 in-addr.arpa:53 {
    errors
    kubernetes cluster.local in-addr.arpa {
        ttl 30
    }
    ${extra}
}
example.test:53 {
    whoami
}
`;

let server: DnsServer;
let port: number;
const registry = new Registry();

beforeAll(async () => {
  ({ server, port } = await startServer(corefile(), source, registry));
});
afterAll(async () => {
  await server?.close();
});

describe('answers through a real resolver', () => {
  const cases: [string, string, (r: Resolver, name: string) => Promise<unknown>, unknown][] = [
    ['A of a ClusterIP service', 'web.shop.svc.cluster.local', (r, n) => r.resolve4(n), ['10.96.0.10']],
    ['A in mixed case', 'WEB.Shop.svc.cluster.local', (r, n) => r.resolve4(n), ['10.96.0.10']],
    [
      'SRV of a named port',
      '_http._tcp.web.shop.svc.cluster.local',
      (r, n) => r.resolveSrv(n),
      [{ name: 'web.shop.svc.cluster.local', port: 80, priority: 0, weight: 100, type: 'SRV' }],
    ],
    ['CNAME of an ExternalName service', 'ext.shop.svc.cluster.local', (r, n) => r.resolveCname(n), ['example.org']],
    ['PTR of a ClusterIP', '10.0.96.10.in-addr.arpa', (r, n) => r.resolvePtr(n), ['web.shop.svc.cluster.local']],
  ];
  it.each(cases)('%s', async (_label, name, ask, expected) => {
    const r = nodeResolver(port, { timeoutMs: 1000 });
    expect(await ask(r, name)).toEqual(expected);
  });

  it('NXDOMAIN for a missing service', async () => {
    const r = nodeResolver(port, { timeoutMs: 1000 });
    await expect(r.resolve4('nope.shop.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('60 headless addresses: TC over UDP, then the resolver retries over TCP', async () => {
    const udp = decode(await udpExchange(port, query('big.shop.svc.cluster.local', 'A')));
    expect(udp.flag_tc).toBe(true);
    expect(udp.answers?.length).toBeLessThan(60);
    const r = nodeResolver(port, { timeoutMs: 2000 });
    expect((await r.resolve4('big.shop.svc.cluster.local')).sort()).toEqual([...many].sort());
  });
});

describe('flags and rcodes on the wire', () => {
  const cases: [string, Buffer, { rcode: string; aa?: boolean; answers?: number; tc?: boolean }][] = [
    ['authoritative A', query('web.shop.svc.cluster.local', 'A'), { rcode: 'NOERROR', aa: true, answers: 1 }],
    ['NODATA for AAAA', query('web.shop.svc.cluster.local', 'AAAA'), { rcode: 'NOERROR', aa: true, answers: 0 }],
    ['REFUSED outside every zone', query('example.com', 'A'), { rcode: 'REFUSED', answers: 0 }],
    ['ANY per RFC 8482', query('web.shop.svc.cluster.local', 'ANY'), { rcode: 'NOERROR', answers: 1 }],
    ['EDNS 4096: all 60 fit in 1232', query('big.shop.svc.cluster.local', 'A', { additionals: [opt(4096)] }), { rcode: 'NOERROR', answers: 60, tc: false }],
    ['EDNS 512: truncated', query('big.shop.svc.cluster.local', 'A', { additionals: [opt(512)] }), { rcode: 'NOERROR', tc: true }],
  ];
  it.each(cases)('%s', async (_label, wire, expected) => {
    const res = decode(await udpExchange(port, wire));
    expect(res.id).toBe(wire.readUInt16BE(0));
    expect(res.rcode).toBe(expected.rcode);
    if (expected.aa !== undefined) expect(res.flag_aa).toBe(expected.aa);
    if (expected.answers !== undefined) expect(res.answers).toHaveLength(expected.answers);
    if (expected.tc !== undefined) expect(res.flag_tc).toBe(expected.tc);
  });

  it('FORMERR for a malformed query, NOTIMP for NOTIFY', async () => {
    const bad = query('web.shop.svc.cluster.local', 'A').subarray(0, 20);
    expect(decode(await udpExchange(port, bad)).rcode).toBe('FORMERR');
    const notify = Buffer.from(query('web.shop.svc.cluster.local', 'A'));
    notify[2] = 0x20;
    expect(decode(await udpExchange(port, notify)).rcode).toBe('NOTIMP');
  });

  it('echoes EDNS with DO', async () => {
    const res = decode(await udpExchange(port, query('web.shop.svc.cluster.local', 'A', { additionals: [opt(1232, 0x8000)] })));
    expect(res.additionals?.find((a) => a.type === 'OPT')).toMatchObject({ udpPayloadSize: 1232, flag_do: true });
  });

  it('answers pipelined queries on one TCP connection', async () => {
    const wires = [
      query('web.shop.svc.cluster.local', 'A'),
      query('big.shop.svc.cluster.local', 'A'),
      query('nope.shop.svc.cluster.local', 'A'),
      query('x.example.test', 'A'),
    ];
    const replies = (await tcpExchange(port, wires)).map(decode);
    const byId = new Map(replies.map((r) => [r.id, r]));
    expect(byId.get(wires[0].readUInt16BE(0))?.answers).toHaveLength(1);
    expect(byId.get(wires[1].readUInt16BE(0))?.answers).toHaveLength(60);
    expect(byId.get(wires[2].readUInt16BE(0))?.rcode).toBe('NXDOMAIN');
    expect(byId.get(wires[3].readUInt16BE(0))?.additionals?.[0]).toMatchObject({ type: 'A', data: '127.0.0.1' });
  });

  it('picks the block by the longest zone', async () => {
    const res = decode(await udpExchange(port, query('a.b.example.test', 'A')));
    expect(res.additionals?.map((a) => a.type)).toEqual(['A', 'SRV']);
  });
});

describe('fast path and invalidation', () => {
  it('serves a changed record set at once, in the client case', async () => {
    const ask = async (name: string) => decode(await udpExchange(port, query(name, 'A')));
    expect((await ask('fast.shop.svc.cluster.local')).rcode).toBe('NXDOMAIN');
    source.put(...service('shop', 'fast', { clusterIPs: ['10.96.0.77'] }));
    for (let i = 0; i < 3; i++) {
      const res = await ask('Fast.Shop.svc.cluster.local');
      expect(res.answers?.[0]).toMatchObject({ name: 'Fast.Shop.svc.cluster.local', data: '10.96.0.77' });
      expect(res.questions?.[0].name).toBe('Fast.Shop.svc.cluster.local');
    }
    source.put(...service('shop', 'fast', { clusterIPs: ['10.96.0.78'] }));
    expect((await ask('fast.shop.svc.cluster.local')).answers?.[0]).toMatchObject({ data: '10.96.0.78' });
    source.put('svc.shop.fast', null);
    expect((await ask('fast.shop.svc.cluster.local')).rcode).toBe('NXDOMAIN');
  });

  it('answers repeated questions from the fast path', async () => {
    const hits = () => fastPathHits(registry);
    const before = await hits();
    for (let i = 0; i < 3; i++) expect(decode(await udpExchange(port, query('web.shop.svc.cluster.local', 'SRV'))).rcode).toBe('NOERROR');
    expect(await hits()).toBeGreaterThanOrEqual(before + 2);
    // A NODATA answer is authoritative too; a REFUSED one never is.
    const refusedBefore = await hits();
    for (let i = 0; i < 3; i++) await udpExchange(port, query('example.com', 'A'));
    expect(await hits()).toBe(refusedBefore);
  });

  it('invalidate() drops pre-encoded answers', async () => {
    await udpExchange(port, query('web.shop.svc.cluster.local', 'A'));
    server.invalidate(['web.shop.svc.cluster.local.']);
    expect(decode(await udpExchange(port, query('web.shop.svc.cluster.local', 'A'))).answers).toHaveLength(1);
  });
});

describe('metrics', () => {
  it('counts requests and responses under CoreDNS names and labels', async () => {
    await udpExchange(port, query('web.shop.svc.cluster.local', 'A'));
    const text = await registry.metrics();
    expect(text).toMatch(/coredns_dns_requests_total\{server="dns:\/\/127\.0\.0\.1:\d+",zone="cluster\.local\.",view="",proto="udp",family="1",type="A"\} \d+/);
    expect(text).toMatch(/coredns_dns_responses_total\{server="[^"]+",zone="cluster\.local\.",view="",rcode="NOERROR",plugin="kubernetes"\}/);
    expect(text).toContain('coredns_dns_request_duration_seconds_bucket');
    expect(text).toContain('coredns_dns_response_size_bytes_bucket');
  });
});

describe('reload', () => {
  it('keeps the last good config on a bad Corefile and answers throughout', async () => {
    let stop = false;
    let answered = 0;
    let lost = 0;
    const loop = (async () => {
      while (!stop) {
        const res = await udpExchange(port, query('web.shop.svc.cluster.local', 'A'), 1000);
        if (res && decode(res).answers?.length === 1) answered++;
        else lost++;
      }
    })();
    const bad = await server.reload('cluster.local:53 {\n    kubernetes {\n        ttl 99999\n    }\n    nonsense\n}\n');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.map((e) => [e.line, e.message])).toEqual(
        expect.arrayContaining([
          [3, expect.stringContaining('kubernetes: ttl')],
          [5, 'unknown plugin "nonsense"'],
        ]),
      );
    }
    for (let i = 0; i < 5; i++) expect((await server.reload(corefile(i % 2 ? 'loadbalance' : 'log'))).ok).toBe(true);
    stop = true;
    await loop;
    expect(lost).toBe(0);
    expect(answered).toBeGreaterThan(0);
    expect(server.addresses()[0].port).toBe(port);
  });
});

describe('validateCorefile', () => {
  it('accepts the kubeadm Corefile unchanged', () => {
    const kubeadm = kubeadmCorefile;
    expect(validateCorefile(kubeadm)).toEqual([]);
  });

  it.each([
    ['unknown plugin', '.:53 {\n  frobnicate\n}\n', 2, 3, 'unknown plugin "frobnicate"'],
    [
      'bad pods mode',
      '.:53 {\n  kubernetes cluster.local {\n    pods maybe\n  }\n}\n',
      3,
      10,
      'kubernetes: pods must be insecure, verified or disabled, not "maybe"',
    ],
    ['kubernetes twice', '.:53 {\n  kubernetes\n  kubernetes\n}\n', 3, 3, 'kubernetes: this plugin can only be used once per server block'],
    ['bad health address', '.:53 {\n  health :99999\n}\n', 2, 10, 'health: port in ":99999" is out of range'],
    ['bad loadbalance policy', '.:53 {\n  loadbalance weighted\n}\n', 2, 15, 'loadbalance: unknown policy "weighted" (only round_robin)'],
  ])('%s', (_label, text, line, column, message) => {
    expect(validateCorefile(text, 'Corefile')).toContainEqual({ file: 'Corefile', line, column, message });
  });
});
