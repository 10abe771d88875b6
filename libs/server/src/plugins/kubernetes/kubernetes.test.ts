import { describe, expect, it } from 'vitest';
import type { RecordSet } from '@halo/zone';
import type { DnsResponse, Handler, RecordSetSource } from '../../types.ts';
import { request, setupOf } from '../../../test/plugin-helpers.ts';
import { plugin } from './setup.ts';
import type { KubernetesHandler } from './handler.ts';
import { ServerScope } from '../../scope.ts';

/** One server's scope, as every configuration of a server gets it. */
const scope = new ServerScope();

describe('kubernetes setup', () => {
  const cases: [string, string, string[] | null][] = [
    ['kubeadm', 'kubernetes cluster.local in-addr.arpa ip6.arpa {\n pods insecure\n fallthrough in-addr.arpa ip6.arpa\n ttl 30\n}', null],
    [
      'no zones in a root block',
      'kubernetes',
      ['2:1 kubernetes: name the cluster zones (e.g. kubernetes cluster.local in-addr.arpa ip6.arpa): the server block is the root zone'],
    ],
    [
      'every option',
      'kubernetes cluster.local {\n pods verified\n namespaces a b\n labels app=web,tier!=db\n ignore empty_service\n noendpoints\n endpoint_pod_names\n kubeconfig /k user\n endpoint https://x\n fallthrough\n}',
      null,
    ],
    ['ttl too high', 'kubernetes cluster.local {\n ttl 3601\n}', ['3:6 kubernetes: ttl must be an integer from 0 to 3600, not "3601"']],
    ['ttl not a number', 'kubernetes cluster.local {\n ttl soon\n}', ['3:6 kubernetes: ttl must be an integer from 0 to 3600, not "soon"']],
    ['pods unknown', 'kubernetes cluster.local {\n pods maybe\n}', ['3:7 kubernetes: pods must be insecure, verified or disabled, not "maybe"']],
    ['pods without a mode', 'kubernetes cluster.local {\n pods\n}', ['3:2 kubernetes: pods takes exactly one argument']],
    ['unknown property', 'kubernetes cluster.local {\n frobnicate\n}', ['3:2 kubernetes: unknown property "frobnicate"']],
    ['ignore something else', 'kubernetes cluster.local {\n ignore everything\n}', ['3:9 kubernetes: unknown ignore option "everything" (only empty_service)']],
    ['namespace_labels', 'kubernetes cluster.local {\n namespace_labels team in (a,b),!private\n}', null],
    ['namespace_labels without a selector', 'kubernetes cluster.local {\n namespace_labels\n}', ['3:2 kubernetes: namespace_labels needs a selector']],
    [
      'namespace_labels not a selector',
      'kubernetes cluster.local {\n namespace_labels a=(b\n}',
      ['2:1 kubernetes: namespace_labels: label selector "a=(b": bad value "(b"'],
    ],
    [
      'namespace_labels and namespaces',
      'kubernetes cluster.local {\n namespaces a\n namespace_labels team=a\n}',
      ['2:1 kubernetes: namespaces and namespace_labels cannot both be set'],
    ],
  ];
  it.each(cases)('%s', (_label, line, expected) => {
    const r = setupOf(plugin, line);
    if (expected === null) expect(Array.isArray(r) ? r : 'handler').toBe('handler');
    else expect(r).toEqual(expected);
  });
});

class Source implements RecordSetSource {
  sets = new Map<string, RecordSet>();
  listeners: ((key: string, rs: RecordSet | null) => void)[] = [];
  synced = true;
  complete = true;
  entries() {
    return this.sets.entries();
  }
  subscribe(l: (key: string, rs: RecordSet | null) => void) {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  }
  put(key: string, rs: RecordSet | null) {
    if (rs) this.sets.set(key, rs);
    else this.sets.delete(key);
    for (const l of this.listeners) l(key, rs);
  }
}

describe('kubernetes answers', () => {
  const source = new Source();
  source.put('svc.shop.web', {
    kind: 'Service',
    namespace: 'shop',
    name: 'web',
    type: 'ClusterIP',
    clusterIPs: ['10.96.0.10'],
    ports: [],
    publishNotReadyAddresses: false,
    labels: {},
    endpoints: [],
  });
  const invalidated: string[][] = [];
  const pos = { file: 'Corefile', line: 1, column: 1 };
  const sb = { keys: [], addresses: [{ zone: '.', port: 53, transport: 'dns' as const, key: { text: '.:53', pos } }], directives: [], pos };
  const made = plugin.setup(
    {
      name: 'kubernetes',
      args: ['cluster.local', 'in-addr.arpa'].map((text) => ({ text, pos: sb.pos })),
      block: [
        { name: 'fallthrough', args: [{ text: 'in-addr.arpa', pos: sb.pos }], block: null, pos: sb.pos },
        { name: 'ttl', args: [{ text: '30', pos: sb.pos }], block: null, pos: sb.pos },
      ],
      pos: sb.pos,
    },
    { file: 'Corefile', serverBlock: sb, shared: { recordSets: source }, scope, onClose: () => undefined, invalidate: (names) => invalidated.push(names) },
  );
  const h = made as KubernetesHandler;
  const passed: DnsResponse = { rcode: 'REFUSED', answers: [], authorities: [], additionals: [] };
  const next = async () => passed;

  const cases: [string, string, string, { rcode: string; answers?: unknown[]; passed?: boolean }][] = [
    [
      'A of a service',
      'web.shop.svc.cluster.local',
      'A',
      { rcode: 'NOERROR', answers: [{ type: 'A', name: 'web.shop.svc.cluster.local', ttl: 30, class: 'IN', data: '10.96.0.10' }] },
    ],
    [
      'case kept as asked',
      'Web.Shop.svc.cluster.local',
      'A',
      { rcode: 'NOERROR', answers: [{ type: 'A', name: 'Web.Shop.svc.cluster.local', ttl: 30, class: 'IN', data: '10.96.0.10' }] },
    ],
    ['missing service: NXDOMAIN', 'nope.shop.svc.cluster.local', 'A', { rcode: 'NXDOMAIN', answers: [] }],
    ['unknown reverse: falls through', '9.9.9.9.in-addr.arpa', 'PTR', { rcode: 'REFUSED', passed: true }],
    ['outside the zones: passed on', 'example.org', 'A', { rcode: 'REFUSED', passed: true }],
  ];
  it.each(cases)('%s', async (_label, qname, qtype, expected) => {
    expect(Array.isArray(made)).toBe(false);
    const res = await h.serve(request(qname, qtype), next);
    if (expected.passed) {
      expect(res).toBe(passed);
      return;
    }
    expect(res.rcode).toBe(expected.rcode);
    expect(res.authoritative).toBe(true);
    if (expected.answers) expect(res.answers).toEqual(expected.answers);
  });

  it('follows the source and invalidates the names a change touched', async () => {
    source.put('svc.shop.new', {
      kind: 'Service',
      namespace: 'shop',
      name: 'new',
      type: 'ClusterIP',
      clusterIPs: ['10.96.0.11'],
      ports: [],
      publishNotReadyAddresses: false,
      labels: {},
      endpoints: [],
    });
    expect((await h.serve(request('new.shop.svc.cluster.local'), next)).answers).toHaveLength(1);
    expect(invalidated.at(-1)).toContain('new.shop.svc.cluster.local');
    source.put('svc.shop.new', null);
    expect((await h.serve(request('new.shop.svc.cluster.local'), next)).rcode).toBe('NXDOMAIN');
  });

  it('chases an ExternalName into the zone, and drops its answer when the target changes', async () => {
    source.put('svc.shop.alias', {
      kind: 'Service',
      namespace: 'shop',
      name: 'alias',
      type: 'ExternalName',
      externalName: 'web.shop.svc.cluster.local',
      clusterIPs: [],
      ports: [],
      publishNotReadyAddresses: false,
      labels: {},
      endpoints: [],
    });
    const show = (res: DnsResponse) => res.answers.map((a) => `${a.name} ${a.type} ${String((a as { data?: unknown }).data)}`);
    expect(show(await h.serve(request('alias.shop.svc.cluster.local'), next))).toEqual([
      'alias.shop.svc.cluster.local CNAME web.shop.svc.cluster.local',
      'web.shop.svc.cluster.local A 10.96.0.10',
    ]);
    source.put('svc.shop.web', {
      kind: 'Service',
      namespace: 'shop',
      name: 'web',
      type: 'ClusterIP',
      clusterIPs: ['10.96.0.20'],
      ports: [],
      publishNotReadyAddresses: false,
      labels: {},
      endpoints: [],
    });
    // The fast path and the caches hold the alias's answer too: its name is among those the change touched.
    expect(invalidated.at(-1)).toEqual(expect.arrayContaining(['web.shop.svc.cluster.local', 'alias.shop.svc.cluster.local']));
    expect(show(await h.serve(request('alias.shop.svc.cluster.local'), next))).toEqual([
      'alias.shop.svc.cluster.local CNAME web.shop.svc.cluster.local',
      'web.shop.svc.cluster.local A 10.96.0.20',
    ]);
    source.put('svc.shop.alias', null);
  });
});

describe('kubernetes on a zone not yet complete', () => {
  const pos = { file: 'Corefile', line: 1, column: 1 };
  const sb = { keys: [], addresses: [{ zone: '.', port: 53, transport: 'dns' as const, key: { text: '.:53', pos } }], directives: [], pos };
  const source = new Source();
  source.complete = false;
  source.put('svc.shop.web', {
    kind: 'Service',
    namespace: 'shop',
    name: 'web',
    type: 'ClusterIP',
    clusterIPs: ['10.96.0.10'],
    ports: [],
    publishNotReadyAddresses: false,
    labels: {},
    endpoints: [],
  });
  const h = plugin.setup(
    { name: 'kubernetes', args: [{ text: 'cluster.local', pos }], block: [], pos },
    { file: 'Corefile', serverBlock: sb, shared: { recordSets: source }, scope: new ServerScope(), onClose: () => undefined },
  ) as KubernetesHandler;
  const passed: DnsResponse = { rcode: 'REFUSED', answers: [], authorities: [], additionals: [] };
  const next = async () => passed;

  // What it would deny may be among what has not arrived yet: SERVFAIL, which no cache keeps.
  const cases: [string, string, string, string, number][] = [
    ['a name it holds', 'web.shop.svc.cluster.local', 'A', 'NOERROR', 1],
    ['a name not (yet) there', 'cart.shop.svc.cluster.local', 'A', 'SERVFAIL', 0],
    ['a type the name lacks (NODATA)', 'web.shop.svc.cluster.local', 'AAAA', 'SERVFAIL', 0],
    ['a namespace not (yet) there', 'web.other.svc.cluster.local', 'A', 'SERVFAIL', 0],
    ['outside the zones: passed on', 'example.org', 'A', 'REFUSED', 0],
  ];
  it.each(cases)('%s', async (_label, qname, qtype, rcode, answers) => {
    const res = await h.serve(request(qname, qtype), next);
    expect(res.rcode).toBe(rcode);
    expect(res.answers).toHaveLength(answers);
  });

  it('is not ready, and denies again once the source is complete', async () => {
    expect((h as Handler).ready?.()).toBe(false);
    source.complete = true;
    expect((h as Handler).ready?.()).toBe(true);
    expect((await h.serve(request('cart.shop.svc.cluster.local', 'A'), next)).rcode).toBe('NXDOMAIN');
    expect((await h.serve(request('web.shop.svc.cluster.local', 'AAAA'), next)).rcode).toBe('NOERROR');
  });

  it('without `complete`, goes by `synced`', () => {
    const bare: RecordSetSource = { entries: () => new Map<string, RecordSet>().entries(), subscribe: () => () => undefined, synced: false };
    const handler = plugin.setup(
      { name: 'kubernetes', args: [{ text: 'cluster.local', pos }], block: [], pos },
      { file: 'Corefile', serverBlock: sb, shared: { recordSets: bare }, scope: new ServerScope(), onClose: () => undefined },
    ) as KubernetesHandler;
    expect((handler as Handler).ready?.()).toBe(false);
  });
});

describe('kubernetes across reloads', () => {
  const pos = { file: 'Corefile', line: 1, column: 1 };
  const sb = { keys: [], addresses: [{ zone: '.', port: 53, transport: 'dns' as const, key: { text: '.:53', pos } }], directives: [], pos };
  const web: RecordSet = {
    kind: 'Service',
    namespace: 'shop',
    name: 'web',
    type: 'ClusterIP',
    clusterIPs: ['10.96.0.10'],
    ports: [],
    publishNotReadyAddresses: false,
    labels: {},
    endpoints: [],
  };
  const setup = (source: Source, ttl: string, invalidate: (names: string[]) => void) =>
    plugin.setup(
      { name: 'kubernetes', args: [{ text: 'cluster.local', pos }], block: [{ name: 'ttl', args: [{ text: ttl, pos }], block: null, pos }], pos },
      { file: 'Corefile', serverBlock: sb, shared: { recordSets: source }, scope, onClose: () => undefined, invalidate },
    ) as KubernetesHandler;

  it('shares one index between configurations with the same options, and lets it go with the last', () => {
    const source = new Source();
    source.put('svc.shop.web', web);
    const seen: string[][] = [[], [], []];
    const running = setup(source, '30', (names) => seen[0].push(...names));
    const reloaded = setup(source, '30', (names) => seen[1].push(...names));
    const otherTtl = setup(source, '5', (names) => seen[2].push(...names));
    expect(reloaded.index).toBe(running.index);
    expect(otherTtl.index).not.toBe(running.index);
    // One subscription per index, whatever the number of handlers on it.
    expect(source.listeners).toHaveLength(2);

    source.put('svc.shop.new', { ...web, name: 'new', clusterIPs: ['10.96.0.11'] });
    for (const names of seen) expect(names).toContain('new.shop.svc.cluster.local');
    expect(running.index.answer({ name: 'new.shop.svc.cluster.local', type: 'A' })?.answers).toHaveLength(1);

    // The old configuration closes: the reloaded one keeps answering and hearing changes.
    running.close?.();
    running.close?.();
    source.put('svc.shop.new', null);
    expect(seen[0].filter((n) => n === 'new.shop.svc.cluster.local')).toHaveLength(1);
    expect(seen[1].filter((n) => n === 'new.shop.svc.cluster.local')).toHaveLength(2);
    expect(reloaded.index.answer({ name: 'new.shop.svc.cluster.local', type: 'A' })?.rcode).toBe('NXDOMAIN');

    reloaded.close?.();
    otherTtl.close?.();
    expect(source.listeners).toHaveLength(0);
    // A configuration after all were closed builds its index afresh, from the source as it is now.
    const again = setup(source, '30', () => undefined);
    expect(again.index).not.toBe(running.index);
    expect(again.index.answer({ name: 'web.shop.svc.cluster.local', type: 'A' })?.answers).toHaveLength(1);
    again.close?.();
  });
});

describe('kubernetes namespace_labels', () => {
  const pos = { file: 'Corefile', line: 1, column: 1 };
  const sb = { keys: [], addresses: [{ zone: '.', port: 53, transport: 'dns' as const, key: { text: '.:53', pos } }], directives: [], pos };
  const svc = (namespace: string, ip: string): RecordSet => ({
    kind: 'Service',
    namespace,
    name: 'api',
    type: 'ClusterIP',
    clusterIPs: [ip],
    ports: [],
    publishNotReadyAddresses: false,
    labels: {},
    endpoints: [],
  });
  const ns = (name: string, labels: Record<string, string>): RecordSet => ({ kind: 'Namespace', name, labels });
  const next = async (): Promise<DnsResponse> => ({ rcode: 'REFUSED', answers: [], authorities: [], additionals: [] });

  it('answers only for namespaces whose labels match, and follows their labels', async () => {
    const source = new Source();
    source.put('ns.team', ns('team', { dns: 'on' }));
    source.put('ns.quiet', ns('quiet', {}));
    source.put('svc.team.api', svc('team', '10.96.5.1'));
    source.put('svc.quiet.api', svc('quiet', '10.96.5.2'));
    const invalidated: string[] = [];
    const h = plugin.setup(
      {
        name: 'kubernetes',
        args: [{ text: 'cluster.local', pos }],
        block: [{ name: 'namespace_labels', args: [{ text: 'dns=on', pos }], block: null, pos }],
        pos,
      },
      { file: 'Corefile', serverBlock: sb, shared: { recordSets: source }, scope, onClose: () => undefined, invalidate: (names) => invalidated.push(...names) },
    ) as KubernetesHandler;
    const rcode = async (name: string) => (await h.serve(request(name), next)).rcode;
    expect(await rcode('api.team.svc.cluster.local')).toBe('NOERROR');
    expect(await rcode('api.quiet.svc.cluster.local')).toBe('NXDOMAIN');
    source.put('ns.quiet', ns('quiet', { dns: 'on' }));
    expect(invalidated).toContain('api.quiet.svc.cluster.local');
    expect(await rcode('api.quiet.svc.cluster.local')).toBe('NOERROR');
    source.put('ns.team', null);
    expect(invalidated).toContain('api.team.svc.cluster.local');
    expect(await rcode('api.team.svc.cluster.local')).toBe('NXDOMAIN');
    h.close?.();
  });
});

describe('kubernetes name server addresses', () => {
  const pos = { file: 'Corefile', line: 1, column: 1 };
  const sb = { keys: [], addresses: [{ zone: '.', port: 53, transport: 'dns' as const, key: { text: '.:53', pos } }], directives: [], pos };
  const setup = (nsAddresses?: string[]) =>
    plugin.setup(
      { name: 'kubernetes', args: [{ text: 'cluster.local', pos }], block: [], pos },
      { file: 'Corefile', serverBlock: sb, shared: { recordSets: new Source(), nsAddresses }, scope: new ServerScope(), onClose: () => undefined },
    );
  const next = async (): Promise<DnsResponse> => ({ rcode: 'REFUSED', answers: [], authorities: [], additionals: [] });
  const cases: [string, string, string, string[], { answers: string[]; additionals: string[] }][] = [
    ['A of ns.dns from the context', 'ns.dns.cluster.local', 'A', ['10.244.0.7', 'fd00::7'], { answers: ['A 10.244.0.7'], additionals: [] }],
    ['AAAA of ns.dns from the context', 'ns.dns.cluster.local', 'AAAA', ['10.244.0.7', 'fd00::7'], { answers: ['AAAA fd00::7'], additionals: [] }],
    ['NS with the addresses as additionals', 'cluster.local', 'NS', ['10.244.0.7'], { answers: ['NS ns.dns.cluster.local'], additionals: ['A 10.244.0.7'] }],
    ['without addresses: NODATA', 'ns.dns.cluster.local', 'A', [], { answers: [], additionals: [] }],
  ];
  it.each(cases)('%s', async (_label, qname, qtype, addrs, expected) => {
    const h = setup(addrs) as KubernetesHandler;
    const res = await h.serve(request(qname, qtype), next);
    const show = (rrs: DnsResponse['answers']) => rrs.map((a) => `${a.type} ${String((a as { data?: unknown }).data)}`);
    expect(res.rcode).toBe('NOERROR');
    expect(show(res.answers)).toEqual(expected.answers);
    expect(show(res.additionals)).toEqual(expected.additionals);
  });
  it('refuses an address that is no IP', () => {
    expect(setup(['ns.example'])).toEqual([
      { file: 'Corefile', line: 1, column: 1, message: 'kubernetes: the name server address "ns.example" is not an IP address' },
    ]);
  });
});
