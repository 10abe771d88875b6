// Conformance with the Kubernetes DNS specification 1.1.0 (and CoreDNS where it is silent),
// one question and its expected answer per row.
import { describe, expect, it } from 'vitest';
import { demoCluster, keyed, nsSet, show, slice, svcSet } from '../test/cluster.ts';
import type { Shown } from '../test/cluster.ts';
import { defaultZoneOptions, ZoneIndex } from './index.ts';
import type { RecordSet, ZoneOptions } from './index.ts';

const soa = ['cluster.local SOA'];
const NODATA: Shown = { rcode: 'NOERROR', answers: [], authorities: soa };
const NXDOMAIN: Shown = { rcode: 'NXDOMAIN', answers: [], authorities: soa };
const rNXDOMAIN = (zone: string): Shown => ({ rcode: 'NXDOMAIN', answers: [], authorities: [`${zone} SOA`] });
const ok = (answers: string[], additionals?: string[]): Shown => (additionals ? { rcode: 'NOERROR', answers, additionals } : { rcode: 'NOERROR', answers });

function indexOf(partial: Partial<ZoneOptions> = {}, extra: RecordSet[] = []): ZoneIndex {
  const idx = new ZoneIndex(defaultZoneOptions(partial), () => 1_700_000_000_000);
  for (const [k, rs] of keyed([...demoCluster(), ...extra])) idx.put(k, rs);
  return idx;
}

type Row = [name: string, type: string, expected: Shown | null];

function table(title: string, partial: Partial<ZoneOptions>, rows: Row[], extra: RecordSet[] = []): void {
  describe(title, () => {
    const idx = indexOf(partial, extra);
    it.each(rows)('%s %s', (name, type, expected) => {
      const got = show(idx.answer({ name, type }));
      // Record order within a section is not part of DNS: compare sorted.
      const sort = (s: Shown | null): Shown | null =>
        s && { ...s, answers: [...s.answers].sort(), ...(s.additionals ? { additionals: [...s.additionals].sort() } : {}) };
      expect(sort(got)).toEqual(sort(expected));
    });
  });
}

const S = 'shop.svc.cluster.local';

table('ClusterIP services (2.3)', {}, [
  ['kubernetes.default.svc.cluster.local', 'A', ok(['kubernetes.default.svc.cluster.local 5 A 10.96.0.1'])],
  [`web.${S}`, 'A', ok([`web.${S} 5 A 10.96.0.10`])],
  [`web.${S}.`, 'A', ok([`web.${S} 5 A 10.96.0.10`])],
  // 0x20: owner names as asked, data as the zone has it.
  ['wEb.ShOp.svc.Cluster.Local', 'A', ok(['wEb.ShOp.svc.Cluster.Local 5 A 10.96.0.10'])],
  [`web.${S}`, 'AAAA', NODATA],
  [`web.${S}`, 'TXT', NODATA],
  [`web.${S}`, 'MX', NODATA],
  [`web.${S}`, 'CNAME', NODATA],
  [`dual.${S}`, 'A', ok([`dual.${S} 5 A 10.96.0.11`])],
  [`dual.${S}`, 'AAAA', ok([`dual.${S} 5 AAAA fd00::11`])],
  [`dual.${S}`, 'ANY', ok([`dual.${S} 5 A 10.96.0.11`, `dual.${S} 5 AAAA fd00::11`])],
  [`lonely.${S}`, 'A', ok([`lonely.${S} 5 A 10.96.0.12`])],
  [`nope.${S}`, 'A', NXDOMAIN],
  [`web.other.svc.cluster.local`, 'A', ok(['web.other.svc.cluster.local 5 A 10.96.1.10'])],
  // Endpoint names exist for ClusterIP Services too (CoreDNS), ready ones only.
  [`10-0-1-1.web.${S}`, 'A', ok([`10-0-1-1.web.${S} 5 A 10.0.1.1`])],
  [`10-0-1-2.web.${S}`, 'A', NXDOMAIN],
  [`web-a.web.${S}`, 'A', NXDOMAIN],
]);

table('SRV (2.3.2, 2.4.2)', {}, [
  [
    '_https._tcp.kubernetes.default.svc.cluster.local',
    'SRV',
    ok(
      ['_https._tcp.kubernetes.default.svc.cluster.local 5 SRV 0 100 443 kubernetes.default.svc.cluster.local'],
      ['kubernetes.default.svc.cluster.local 5 A 10.96.0.1'],
    ),
  ],
  [`_http._tcp.web.${S}`, 'SRV', ok([`_http._tcp.web.${S} 5 SRV 0 100 80 web.${S}`], [`web.${S} 5 A 10.96.0.10`])],
  [`_HTTP._TCP.web.${S}`, 'SRV', ok([`_HTTP._TCP.web.${S} 5 SRV 0 100 80 web.${S}`], [`web.${S} 5 A 10.96.0.10`])],
  [`_http._udp.web.${S}`, 'SRV', NXDOMAIN],
  [`_smtp._tcp.web.${S}`, 'SRV', NXDOMAIN],
  // CoreDNS answers the addresses of a `_port._proto` name too: the Service's, or the endpoints' that serve the port.
  [`_http._tcp.web.${S}`, 'A', ok([`_http._tcp.web.${S} 5 A 10.96.0.10`])],
  [`_HTTP._tcp.web.${S}`, 'A', ok([`_HTTP._tcp.web.${S} 5 A 10.96.0.10`])],
  [`_http._tcp.web.${S}`, 'AAAA', NODATA],
  [`_dns._udp.dual.${S}`, 'AAAA', ok([`_dns._udp.dual.${S} 5 AAAA fd00::11`])],
  [`_mysql._tcp.db.${S}`, 'A', ok([`_mysql._tcp.db.${S} 5 A 10.0.2.1`, `_mysql._tcp.db.${S} 5 A 10.0.2.2`, `_mysql._tcp.db.${S} 5 A 10.0.2.3`])],
  [`_mysql._tcp.db.${S}`, 'AAAA', ok([`_mysql._tcp.db.${S} 5 AAAA fd00::2:1`])],
  [`_http._udp.web.${S}`, 'A', NXDOMAIN],
  // Empty non-terminal below the Service.
  [`_tcp.web.${S}`, 'SRV', NODATA],
  [`_udp.web.${S}`, 'SRV', NXDOMAIN],
  // The Service name itself: one SRV per port, unnamed ones included, weight split as CoreDNS does.
  [
    `web.${S}`,
    'SRV',
    ok([`web.${S} 5 SRV 0 33 80 web.${S}`, `web.${S} 5 SRV 0 33 443 web.${S}`, `web.${S} 5 SRV 0 33 8080 web.${S}`], [`web.${S} 5 A 10.96.0.10`]),
  ],
  // Dual-stack: one SRV, both addresses in additionals (CoreDNS counts both in the weight).
  [`_dns._udp.dual.${S}`, 'SRV', ok([`_dns._udp.dual.${S} 5 SRV 0 50 53 dual.${S}`], [`dual.${S} 5 A 10.96.0.11`, `dual.${S} 5 AAAA fd00::11`])],
  // Headless: one per ready endpoint, targets named by hostname or dashed IP.
  [
    `_mysql._tcp.db.${S}`,
    'SRV',
    ok(
      [
        `_mysql._tcp.db.${S} 5 SRV 0 25 3306 db-0.db.${S}`,
        `_mysql._tcp.db.${S} 5 SRV 0 25 3306 db-1.db.${S}`,
        `_mysql._tcp.db.${S} 5 SRV 0 25 3306 10-0-2-3.db.${S}`,
      ],
      [`db-0.db.${S} 5 A 10.0.2.1`, `db-1.db.${S} 5 A 10.0.2.2`, `10-0-2-3.db.${S} 5 A 10.0.2.3`, `db-0.db.${S} 5 AAAA fd00::2:1`],
    ),
  ],
  [`db-1.db.${S}`, 'SRV', ok([`db-1.db.${S} 5 SRV 0 100 3306 db-1.db.${S}`], [`db-1.db.${S} 5 A 10.0.2.2`])],
  [`_a._b._mysql._tcp.db.${S}`, 'SRV', NXDOMAIN],
]);

table('headless services (2.4)', {}, [
  [`db.${S}`, 'A', ok([`db.${S} 5 A 10.0.2.1`, `db.${S} 5 A 10.0.2.2`, `db.${S} 5 A 10.0.2.3`])],
  [`db.${S}`, 'AAAA', ok([`db.${S} 5 AAAA fd00::2:1`])],
  [`db-0.db.${S}`, 'A', ok([`db-0.db.${S} 5 A 10.0.2.1`])],
  [`db-0.db.${S}`, 'AAAA', ok([`db-0.db.${S} 5 AAAA fd00::2:1`])],
  [`DB-0.db.${S}`, 'A', ok([`DB-0.db.${S} 5 A 10.0.2.1`])],
  [`10-0-2-3.db.${S}`, 'A', ok([`10-0-2-3.db.${S} 5 A 10.0.2.3`])],
  [`db-x.db.${S}`, 'A', NXDOMAIN],
  [`db-3.db.${S}`, 'A', NXDOMAIN],
  [`10-0-2-4.db.${S}`, 'A', NXDOMAIN],
  [`db.${S}`, 'TXT', NODATA],
  // No ready endpoint: the name does not exist.
  [`ghost.${S}`, 'A', NXDOMAIN],
  // publishNotReadyAddresses: not-ready endpoints answer.
  [`warm.${S}`, 'A', ok([`warm.${S} 5 A 10.0.3.1`])],
  [`warm-0.warm.${S}`, 'A', ok([`warm-0.warm.${S} 5 A 10.0.3.1`])],
]);

table('ExternalName (2.5)', {}, [
  [`ext.${S}`, 'A', ok([`ext.${S} 5 CNAME www.example.com`])],
  [`ext.${S}`, 'AAAA', ok([`ext.${S} 5 CNAME www.example.com`])],
  [`ext.${S}`, 'CNAME', ok([`ext.${S} 5 CNAME www.example.com`])],
  [`ext.${S}`, 'SRV', ok([`ext.${S} 5 CNAME www.example.com`])],
  [`_http._tcp.ext.${S}`, 'SRV', NXDOMAIN],
  [`x.ext.${S}`, 'A', NXDOMAIN],
]);

// ExternalNames whose targets are in the cluster zone: chased as CoreDNS does ("CNAME External To
// Internal Service"), bounded; targets elsewhere stay a bare CNAME.
const ext = (name: string, externalName: string, ns = 'shop'): RecordSet => svcSet({ ns, name, type: 'ExternalName', externalName });
const chains: RecordSet[] = [
  ext('to-web', `web.${S}`),
  ext('to-web-dot', `WEB.${S}.`),
  ext('to-dual', `dual.${S}`),
  ext('to-db', `db.${S}`),
  ext('to-port', `_http._tcp.web.${S}`),
  ext('to-ext', `ext.${S}`),
  ext('to-to-web', `to-web.${S}`),
  ext('to-nothing', `nothing.${S}`),
  ext('to-zone', 'cluster.local'),
  ext('loop-a', `loop-b.${S}`),
  ext('loop-b', `loop-a.${S}`),
  ext('self', `self.${S}`),
  ...Array.from({ length: 12 }, (_, i) => ext(`hop${i}`, i === 11 ? `web.${S}` : `hop${i + 1}.${S}`)),
];
const cname = (from: string, to: string): string => `${from}.${S} 5 CNAME ${to}`;

table(
  'ExternalName into the cluster zone',
  {},
  [
    [`to-web.${S}`, 'A', ok([cname('to-web', `web.${S}`), `web.${S} 5 A 10.96.0.10`])],
    [`To-Web.${S}`, 'A', ok([`To-Web.${S} 5 CNAME web.${S}`, `web.${S} 5 A 10.96.0.10`])],
    [`to-web-dot.${S}`, 'A', ok([cname('to-web-dot', `web.${S}`), `web.${S} 5 A 10.96.0.10`])],
    // The target has no AAAA: the CNAME and NODATA of the target (RFC 2308 2.2), SOA included.
    [`to-web.${S}`, 'AAAA', { rcode: 'NOERROR', answers: [cname('to-web', `web.${S}`)], authorities: soa }],
    [`to-dual.${S}`, 'AAAA', ok([cname('to-dual', `dual.${S}`), `dual.${S} 5 AAAA fd00::11`])],
    [`to-db.${S}`, 'A', ok([cname('to-db', `db.${S}`), `db.${S} 5 A 10.0.2.1`, `db.${S} 5 A 10.0.2.2`, `db.${S} 5 A 10.0.2.3`])],
    // SRV where the target has SRV records: the Service name (one per port) or a port name, glue included.
    [
      `to-web.${S}`,
      'SRV',
      ok(
        [cname('to-web', `web.${S}`), `web.${S} 5 SRV 0 33 80 web.${S}`, `web.${S} 5 SRV 0 33 443 web.${S}`, `web.${S} 5 SRV 0 33 8080 web.${S}`],
        [`web.${S} 5 A 10.96.0.10`],
      ),
    ],
    [`to-port.${S}`, 'SRV', ok([cname('to-port', `_http._tcp.web.${S}`), `_http._tcp.web.${S} 5 SRV 0 100 80 web.${S}`], [`web.${S} 5 A 10.96.0.10`])],
    [`to-port.${S}`, 'A', ok([cname('to-port', `_http._tcp.web.${S}`), `_http._tcp.web.${S} 5 A 10.96.0.10`])],
    // The CNAME itself is the answer to a CNAME question (and ANY matches it): not followed.
    [`to-web.${S}`, 'CNAME', ok([cname('to-web', `web.${S}`)])],
    [`to-web.${S}`, 'ANY', ok([cname('to-web', `web.${S}`)])],
    // A chain through an ExternalName that leaves the zone: followed as far as the zone goes.
    [`to-ext.${S}`, 'A', ok([cname('to-ext', `ext.${S}`), `ext.${S} 5 CNAME www.example.com`])],
    [`to-to-web.${S}`, 'A', ok([cname('to-to-web', `to-web.${S}`), cname('to-web', `web.${S}`), `web.${S} 5 A 10.96.0.10`])],
    // A target that does not exist: the CNAME and NXDOMAIN (RFC 6604), SOA included.
    [`to-nothing.${S}`, 'A', { rcode: 'NXDOMAIN', answers: [cname('to-nothing', `nothing.${S}`)], authorities: soa }],
    [`to-zone.${S}`, 'A', { rcode: 'NOERROR', answers: [cname('to-zone', 'cluster.local')], authorities: soa }],
    // Loops end where the chain comes back; at most ten CNAMEs are followed.
    [`loop-a.${S}`, 'A', ok([cname('loop-a', `loop-b.${S}`), cname('loop-b', `loop-a.${S}`)])],
    [`self.${S}`, 'A', ok([cname('self', `self.${S}`)])],
    [`hop0.${S}`, 'A', ok(Array.from({ length: 11 }, (_, i) => cname(`hop${i}`, `hop${i + 1}.${S}`)))],
    [
      `hop2.${S}`,
      'A',
      ok([...Array.from({ length: 10 }, (_, i) => cname(`hop${i + 2}`, i === 9 ? `web.${S}` : `hop${i + 3}.${S}`)), `web.${S} 5 A 10.96.0.10`]),
    ],
    // Out of the zone: a bare CNAME, as before.
    [`ext.${S}`, 'A', ok([`ext.${S} 5 CNAME www.example.com`])],
  ],
  chains,
);

describe('ExternalName chase and changes', () => {
  it('drops a kept chased answer when the target changes, and tells which aliases a change touches', () => {
    const idx = indexOf({}, chains);
    expect(show(idx.answer({ name: `to-to-web.${S}`, type: 'A' }))?.answers).toContain(`web.${S} 5 A 10.96.0.10`);
    expect(idx.aliasesOf([`web.${S}`]).sort()).toEqual(
      [`to-to-web.${S}`, `to-web-dot.${S}`, `to-web.${S}`, `hop11.${S}`, ...Array.from({ length: 11 }, (_, i) => `hop${i}.${S}`)].sort(),
    );
    expect(idx.aliasesOf([`WEB.${S}.`])).toContain(`to-to-web.${S}`);
    expect(idx.aliasesOf([`nothing-points-here.${S}`])).toEqual([]);
    idx.put('svc.shop.web', svcSet({ name: 'web', clusterIP: '10.96.0.99' }));
    expect(show(idx.answer({ name: `to-to-web.${S}`, type: 'A' }))?.answers).toContain(`web.${S} 5 A 10.96.0.99`);
    idx.delete('svc.shop.to-web');
    expect(show(idx.answer({ name: `to-to-web.${S}`, type: 'A' }))).toEqual({
      rcode: 'NXDOMAIN',
      answers: [cname('to-to-web', `to-web.${S}`)],
      authorities: soa,
    });
    expect(idx.aliasesOf([`web.${S}`])).not.toContain(`to-to-web.${S}`);
  });
  it('keeps the chain under fallthrough when the target does not exist', () => {
    const idx = indexOf({}, chains);
    expect(idx.answer({ name: `to-nothing.${S}`, type: 'A' }, { fallthrough: true })?.answers).toHaveLength(1);
  });
});

table(
  'namespace_labels',
  { namespaceLabels: 'team in (a,b),!private' },
  [
    [`api.team-a.svc.cluster.local`, 'A', ok(['api.team-a.svc.cluster.local 5 A 10.96.5.1'])],
    [`team-a.svc.cluster.local`, 'A', NODATA],
    [`api.secret.svc.cluster.local`, 'A', NXDOMAIN],
    [`secret.svc.cluster.local`, 'A', NXDOMAIN],
    ['1.5.96.10.in-addr.arpa', 'PTR', ok(['1.5.96.10.in-addr.arpa 5 PTR api.team-a.svc.cluster.local'])],
    ['2.5.96.10.in-addr.arpa', 'PTR', rNXDOMAIN('in-addr.arpa')],
    // A Namespace without labels, or not in the index at all, is not exposed.
    [`web.${S}`, 'A', NXDOMAIN],
    [`api.no-ns-object.svc.cluster.local`, 'A', NXDOMAIN],
  ],
  [
    nsSet('team-a', { team: 'a' }),
    nsSet('secret', { team: 'b', private: 'yes' }),
    svcSet({ ns: 'team-a', name: 'api', clusterIP: '10.96.5.1' }),
    svcSet({ ns: 'secret', name: 'api', clusterIP: '10.96.5.2' }),
    svcSet({ ns: 'no-ns-object', name: 'api', clusterIP: '10.96.5.3' }),
  ],
);

describe('namespace_labels as Namespaces come, change and go', () => {
  it("shows and hides the namespace's record sets whatever order they arrive in", () => {
    const idx = new ZoneIndex(defaultZoneOptions({ namespaceLabels: 'dns=on' }));
    const q = { name: 'api.team.svc.cluster.local', type: 'A' };
    idx.put('svc.team.api', svcSet({ ns: 'team', name: 'api', clusterIP: '10.96.5.1' }));
    expect(idx.answer(q)?.rcode).toBe('NXDOMAIN');
    idx.put('ns.team', nsSet('team', { dns: 'on' }));
    expect(show(idx.answer(q))?.answers).toEqual(['api.team.svc.cluster.local 5 A 10.96.5.1']);
    idx.put('ns.team', nsSet('team', { dns: 'off' }));
    expect(idx.answer(q)?.rcode).toBe('NXDOMAIN');
    idx.put('ns.team', nsSet('team', { dns: 'on' }));
    expect(idx.answer(q)?.rcode).toBe('NOERROR');
    idx.delete('ns.team');
    expect(idx.answer(q)?.rcode).toBe('NXDOMAIN');
  });
});

// Names of endpoint addresses without a hostname are found through the address (no name kept for
// each): every spelling and sharing CoreDNS has must come out as if each name were kept.
const E = 'edge.svc.cluster.local';
table(
  'endpoints named by their address',
  {},
  [
    // A hostname that is another endpoint's dashed address: one name, both addresses.
    [`10-5-0-1.dup.${E}`, 'A', ok([`10-5-0-1.dup.${E} 5 A 10.5.0.1`, `10-5-0-1.dup.${E} 5 A 10.5.0.2`])],
    // One address in two slices with other ports: one name, the SRV of both.
    [
      `10-5-0-3.dup.${E}`,
      'SRV',
      ok([`10-5-0-3.dup.${E} 5 SRV 0 50 80 10-5-0-3.dup.${E}`, `10-5-0-3.dup.${E} 5 SRV 0 50 9090 10-5-0-3.dup.${E}`], [`10-5-0-3.dup.${E} 5 A 10.5.0.3`]),
    ],
    [`10-5-0-3.dup.${E}`, 'TXT', NODATA],
    // The same address behind another Service: its own name there, not this one's.
    [`10-5-0-3.web.${E}`, 'A', ok([`10-5-0-3.web.${E} 5 A 10.5.0.3`])],
    [`10-5-0-9.web.${E}`, 'A', NXDOMAIN],
    [`10-5-0-4.dup.${E}`, 'A', NXDOMAIN],
    // An endpoint of several addresses: a name for each.
    [`10-5-0-8.dup.${E}`, 'A', ok([`10-5-0-8.dup.${E} 5 A 10.5.0.8`])],
    // IPv6: the address as the slice spells it (lowercase), no other spelling.
    [`fd00-0-0--5.dup.${E}`, 'AAAA', ok([`fd00-0-0--5.dup.${E} 5 AAAA fd00:0:0::5`])],
    [`fd00--5.dup.${E}`, 'AAAA', NXDOMAIN],
    [`FD00--6.dup.${E}`, 'AAAA', ok([`FD00--6.dup.${E} 5 AAAA fd00::6`])],
    [`010-5-0-1.dup.${E}`, 'A', NXDOMAIN],
    [`10-5-0-1.x.dup.${E}`, 'A', NXDOMAIN],
    [`10-5-1-1.pub.${E}`, 'A', ok([`10-5-1-1.pub.${E} 5 A 10.5.1.1`])],
    [
      '3.0.5.10.in-addr.arpa',
      'PTR',
      ok(['3.0.5.10.in-addr.arpa 5 PTR 10-5-0-3.dup.edge.svc.cluster.local', '3.0.5.10.in-addr.arpa 5 PTR 10-5-0-3.web.edge.svc.cluster.local']),
    ],
  ],
  [
    nsSet('edge'),
    svcSet({ ns: 'edge', name: 'dup', clusterIP: 'None' }, [
      slice(
        'dup',
        'dup-a',
        [{ ip: '10.5.0.1' }, { ip: '10.5.0.2', hostname: '10-5-0-1' }, { ip: '10.5.0.3' }, { ip: '10.5.0.4', ready: false }],
        [{ name: 'http', port: 80 }],
        'edge',
      ),
      slice('dup', 'dup-b', [{ ip: '10.5.0.3' }, { ip: ['10.5.0.7', '10.5.0.8'] }], [{ name: 'grpc', port: 9090 }], 'edge'),
      slice('dup', 'dup-c', [{ ip: 'fd00:0:0::5' }, { ip: 'FD00::6' }], [{ name: 'http', port: 80 }], 'edge'),
    ]),
    svcSet({ ns: 'edge', name: 'web', clusterIP: '10.96.5.1' }, [slice('web', 'web-a', [{ ip: '10.5.0.3' }, { ip: '10.5.0.9', ready: false }], [], 'edge')]),
    svcSet({ ns: 'edge', name: 'pub', clusterIP: 'None', publishNotReadyAddresses: true }, [
      slice('pub', 'pub-a', [{ ip: '10.5.1.1', ready: false }], [], 'edge'),
    ]),
  ],
);

table('reverse (2.3.3, 2.4.3)', {}, [
  ['1.0.96.10.in-addr.arpa', 'PTR', ok(['1.0.96.10.in-addr.arpa 5 PTR kubernetes.default.svc.cluster.local'])],
  ['10.0.96.10.in-addr.arpa', 'PTR', ok(['10.0.96.10.in-addr.arpa 5 PTR web.shop.svc.cluster.local'])],
  ['10.0.96.10.IN-ADDR.ARPA.', 'PTR', ok(['10.0.96.10.IN-ADDR.ARPA 5 PTR web.shop.svc.cluster.local'])],
  // An address behind two Services: both names.
  [
    '1.1.0.10.in-addr.arpa',
    'PTR',
    ok(['1.1.0.10.in-addr.arpa 5 PTR 10-0-1-1.web.shop.svc.cluster.local', '1.1.0.10.in-addr.arpa 5 PTR 10-0-1-1.web.other.svc.cluster.local']),
  ],
  ['1.2.0.10.in-addr.arpa', 'PTR', ok(['1.2.0.10.in-addr.arpa 5 PTR db-0.db.shop.svc.cluster.local'])],
  ['3.2.0.10.in-addr.arpa', 'PTR', ok(['3.2.0.10.in-addr.arpa 5 PTR 10-0-2-3.db.shop.svc.cluster.local'])],
  ['4.2.0.10.in-addr.arpa', 'PTR', rNXDOMAIN('in-addr.arpa')],
  ['9.9.9.10.in-addr.arpa', 'PTR', rNXDOMAIN('in-addr.arpa')],
  ['10.0.96.10.in-addr.arpa', 'A', { rcode: 'NOERROR', answers: [], authorities: ['in-addr.arpa SOA'] }],
  [
    '1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa',
    'PTR',
    ok(['1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa 5 PTR dual.shop.svc.cluster.local']),
  ],
  [
    '1.0.0.0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa',
    'PTR',
    ok(['1.0.0.0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa 5 PTR db-0.db.shop.svc.cluster.local']),
  ],
  ['in-addr.arpa', 'SOA', { rcode: 'NOERROR', answers: ['in-addr.arpa 5 SOA ns.dns.in-addr.arpa hostmaster.in-addr.arpa 7200 1800 86400 5'] }],
  // Only full reverse names in their one spelling stand for an address.
  ['010.0.96.10.in-addr.arpa', 'PTR', rNXDOMAIN('in-addr.arpa')],
  ['0.96.10.in-addr.arpa', 'PTR', rNXDOMAIN('in-addr.arpa')],
  ['x.10.0.96.10.in-addr.arpa', 'PTR', rNXDOMAIN('in-addr.arpa')],
  ['266.0.96.10.in-addr.arpa', 'PTR', rNXDOMAIN('in-addr.arpa')],
  ['1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', 'PTR', rNXDOMAIN('ip6.arpa')],
  ['11.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', 'PTR', rNXDOMAIN('ip6.arpa')],
]);

table('apex, schema version, empty non-terminals', {}, [
  ['dns-version.cluster.local', 'TXT', ok(['dns-version.cluster.local 28800 TXT "1.1.0"'])],
  ['dns-version.cluster.local', 'A', NODATA],
  ['cluster.local', 'SOA', ok(['cluster.local 5 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 5'])],
  ['Cluster.Local', 'SOA', ok(['Cluster.Local 5 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 5'])],
  ['cluster.local', 'NS', ok(['cluster.local 5 NS ns.dns.cluster.local'])],
  ['cluster.local', 'A', NODATA],
  ['cluster.local', 'ANY', ok(['cluster.local 5 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 5'])],
  ['svc.cluster.local', 'A', NODATA],
  ['pod.cluster.local', 'A', NODATA],
  [S, 'A', NODATA],
  [S, 'SRV', NODATA],
  ['nosuch.svc.cluster.local', 'A', NXDOMAIN],
  ['foo.cluster.local', 'A', NXDOMAIN],
  ['a.b.c.d.e.web.shop.svc.cluster.local', 'A', NXDOMAIN],
  ['ns.dns.cluster.local', 'A', NODATA],
  // Pods disabled (CoreDNS default): NXDOMAIN below pod.<zone>.
  ['10-0-0-1.shop.pod.cluster.local', 'A', NXDOMAIN],
  ['shop.pod.cluster.local', 'A', NXDOMAIN],
  // Not our zone: the next plugin answers.
  ['example.com', 'A', null],
  ['local', 'SOA', null],
  ['xcluster.local', 'A', null],
]);

table('pods insecure (2.6)', { pods: 'insecure' }, [
  ['10-0-0-1.shop.pod.cluster.local', 'A', ok(['10-0-0-1.shop.pod.cluster.local 5 A 10.0.0.1'])],
  ['10-0-0-1.shop.pod.cluster.local', 'AAAA', NODATA],
  ['fd00--1.shop.pod.cluster.local', 'AAAA', ok(['fd00--1.shop.pod.cluster.local 5 AAAA fd00::1'])],
  ['10-0-0-1.nosuch.pod.cluster.local', 'A', NXDOMAIN],
  ['10-0-0-300.shop.pod.cluster.local', 'A', NXDOMAIN],
  ['web.shop.pod.cluster.local', 'A', NXDOMAIN],
  ['shop.pod.cluster.local', 'A', NODATA],
  ['x.10-0-0-1.shop.pod.cluster.local', 'A', NXDOMAIN],
]);

table('pods verified', { pods: 'verified' }, [
  ['10-0-5-5.shop.pod.cluster.local', 'A', ok(['10-0-5-5.shop.pod.cluster.local 5 A 10.0.5.5'])],
  ['fd00--5-5.shop.pod.cluster.local', 'AAAA', ok(['fd00--5-5.shop.pod.cluster.local 5 AAAA fd00::5:5'])],
  ['fd00-0-0-0-0-0-5-5.shop.pod.cluster.local', 'AAAA', ok(['fd00-0-0-0-0-0-5-5.shop.pod.cluster.local 5 AAAA fd00:0:0:0:0:0:5:5'])],
  ['10-0-5-6.shop.pod.cluster.local', 'A', NXDOMAIN],
  ['10-0-5-5.other.pod.cluster.local', 'A', NXDOMAIN],
  ['shop.pod.cluster.local', 'A', NODATA],
]);

table('endpoint_pod_names', { endpointPodNames: true }, [
  [`db-x.db.${S}`, 'A', ok([`db-x.db.${S} 5 A 10.0.2.3`])],
  [`10-0-2-3.db.${S}`, 'A', NXDOMAIN],
  // hostname wins over the pod name.
  [`db-0.db.${S}`, 'A', ok([`db-0.db.${S} 5 A 10.0.2.1`])],
  [`web-a.web.${S}`, 'A', ok([`web-a.web.${S} 5 A 10.0.1.1`])],
  ['3.2.0.10.in-addr.arpa', 'PTR', ok(['3.2.0.10.in-addr.arpa 5 PTR db-x.db.shop.svc.cluster.local'])],
]);

table('namespaces', { namespaces: ['default'] }, [
  ['kubernetes.default.svc.cluster.local', 'A', ok(['kubernetes.default.svc.cluster.local 5 A 10.96.0.1'])],
  [`web.${S}`, 'A', NXDOMAIN],
  [S, 'A', NXDOMAIN],
  ['default.svc.cluster.local', 'A', NODATA],
  ['10.0.96.10.in-addr.arpa', 'PTR', rNXDOMAIN('in-addr.arpa')],
]);

table('labels', { labels: 'app in (web, db)' }, [
  [`web.${S}`, 'A', ok([`web.${S} 5 A 10.96.0.10`])],
  [`db-0.db.${S}`, 'A', ok([`db-0.db.${S} 5 A 10.0.2.1`])],
  [`dual.${S}`, 'A', NXDOMAIN],
  ['kubernetes.default.svc.cluster.local', 'A', NXDOMAIN],
]);

table('ignore empty_service', { ignoreEmptyService: true }, [
  [`web.${S}`, 'A', ok([`web.${S} 5 A 10.96.0.10`])],
  [`lonely.${S}`, 'A', NXDOMAIN],
  [`_http._tcp.lonely.${S}`, 'SRV', NXDOMAIN],
  [`ext.${S}`, 'A', ok([`ext.${S} 5 CNAME www.example.com`])],
  [`db.${S}`, 'AAAA', ok([`db.${S} 5 AAAA fd00::2:1`])],
]);

table('noendpoints', { noEndpoints: true }, [
  [`web.${S}`, 'A', ok([`web.${S} 5 A 10.96.0.10`])],
  [`10-0-1-1.web.${S}`, 'A', NXDOMAIN],
  [`db.${S}`, 'A', NXDOMAIN],
  ['1.1.0.10.in-addr.arpa', 'PTR', rNXDOMAIN('in-addr.arpa')],
  ['10.0.96.10.in-addr.arpa', 'PTR', ok(['10.0.96.10.in-addr.arpa 5 PTR web.shop.svc.cluster.local'])],
]);

table('ttl 30 and nameserver addresses', { ttl: 30, nsAddresses: ['10.96.0.53', 'fd00::53'] }, [
  [`web.${S}`, 'A', ok([`web.${S} 30 A 10.96.0.10`])],
  ['cluster.local', 'NS', ok(['cluster.local 30 NS ns.dns.cluster.local'], ['ns.dns.cluster.local 30 A 10.96.0.53', 'ns.dns.cluster.local 30 AAAA fd00::53'])],
  ['ns.dns.cluster.local', 'A', ok(['ns.dns.cluster.local 30 A 10.96.0.53'])],
  ['cluster.local', 'SOA', ok(['cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 30'])],
]);

table('ttl above the SOA cap', { ttl: 600 }, [
  ['cluster.local', 'SOA', ok(['cluster.local 300 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 600'])],
]);

table('two forward zones', { zones: ['cluster.local', 'example.org', 'in-addr.arpa'] }, [
  ['web.shop.svc.example.org', 'A', ok(['web.shop.svc.example.org 5 A 10.96.0.10'])],
  [
    '_http._tcp.web.shop.svc.example.org',
    'SRV',
    ok(['_http._tcp.web.shop.svc.example.org 5 SRV 0 100 80 web.shop.svc.example.org'], ['web.shop.svc.example.org 5 A 10.96.0.10']),
  ],
  ['nope.example.org', 'A', { rcode: 'NXDOMAIN', answers: [], authorities: ['example.org SOA'] }],
  // PTR targets are in the cluster domain, the first forward zone.
  ['10.0.96.10.in-addr.arpa', 'PTR', ok(['10.0.96.10.in-addr.arpa 5 PTR web.shop.svc.cluster.local'])],
  ['1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', 'PTR', null],
]);

describe('fallthrough', () => {
  const idx = indexOf();
  it('turns NXDOMAIN into null, so the next plugin answers', () => {
    expect(idx.answer({ name: '9.9.9.10.in-addr.arpa', type: 'PTR' }, { fallthrough: true })).toBeNull();
    expect(idx.answer({ name: '10.0.96.10.in-addr.arpa', type: 'PTR' }, { fallthrough: true })?.rcode).toBe('NOERROR');
    expect(idx.answer({ name: 'web.shop.svc.cluster.local', type: 'AAAA' }, { fallthrough: true })?.rcode).toBe('NOERROR');
  });
  it('tells the zone of a name', () => {
    expect(idx.zoneOf('1.0.96.10.IN-ADDR.ARPA.')).toBe('in-addr.arpa');
    expect(idx.zoneOf('web.shop.svc.cluster.local')).toBe('cluster.local');
    expect(idx.zoneOf('example.com')).toBeNull();
    expect(idx.matches({ name: 'cluster.local', type: 'SOA' })).toBe(true);
  });
  it('answers authoritatively, SOA serial included', () => {
    const a = idx.answer({ name: 'nope.cluster.local', type: 'A' });
    expect(a?.authoritative).toBe(true);
    const rr = a?.authorities[0];
    expect(rr?.type === 'SOA' && rr.data.serial).toBe(idx.serial);
  });
  it('shares one SOA among negative answers until a change, then answers with the new serial', () => {
    const own = indexOf();
    const first = own.answer({ name: 'nope.cluster.local', type: 'A' })?.authorities[0];
    expect(own.answer({ name: 'web.shop.svc.cluster.local', type: 'AAAA' })?.authorities[0]).toBe(first);
    own.delete('svc.shop.web');
    const after = own.answer({ name: 'nope.cluster.local', type: 'A' })?.authorities[0];
    expect(after).not.toBe(first);
    expect(after?.type === 'SOA' && after.data.serial).toBe(own.serial);
    expect(first?.type === 'SOA' && first.data.serial).toBe(own.serial - 1);
  });
});

describe('ZoneIndex as the holder of each key’s record set', () => {
  it('gives back what a key holds, and the record sets of a namespace', () => {
    const idx = indexOf({}, [svcSet({ ns: 'other', name: 'db', clusterIP: '10.96.1.11' })]);
    const web = idx.get('svc.shop.web');
    expect(web).toMatchObject({ kind: 'Service', namespace: 'shop', name: 'web' });
    expect([...idx.recordSetsIn('other')].map((rs) => rs.name).sort()).toEqual(['db', 'web']);
    idx.delete('svc.shop.web');
    expect(idx.get('svc.shop.web')).toBeUndefined();
    expect(idx.get('zone.complete')).toBeUndefined();
  });

  it('holds the newest of two equal record sets put under a key (the one its source keeps)', () => {
    const idx = indexOf();
    const [[, again]] = keyed([svcSet({ name: 'lonely', clusterIP: '10.96.0.12', ports: [{ name: 'http', port: 80 }] })]) as [[string, RecordSet]];
    const before = idx.serial;
    idx.put('svc.shop.lonely', again);
    expect(idx.get('svc.shop.lonely')).toBe(again);
    expect(idx.serial).toBe(before);
  });
});
