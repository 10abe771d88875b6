import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoordinationV1Api, CoreV1Api, DiscoveryV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { V1Service } from '@kubernetes/client-node';
import { startKubeSim } from '../src/index.ts';
import type { KubeSim } from '../src/index.ts';
import { failureOf, kubeConfigFor } from './client.ts';

let sim: KubeSim;
let core: CoreV1Api;
let discovery: DiscoveryV1Api;
let coordination: CoordinationV1Api;

beforeAll(async () => {
  sim = await startKubeSim({ port: 0 });
  const kc = kubeConfigFor(sim.url);
  core = kc.makeApiClient(CoreV1Api);
  discovery = kc.makeApiClient(DiscoveryV1Api);
  coordination = kc.makeApiClient(CoordinationV1Api);
  await core.createNamespace({ body: { metadata: { name: 'shop' } } });
});

afterAll(async () => {
  await sim.close();
});

function service(name: string, spec: V1Service['spec'], labels?: Record<string, string>): V1Service {
  return { metadata: { name, labels }, spec };
}

describe('Services', () => {
  it('creates, reads, replaces, patches and deletes', async () => {
    const created = await core.createNamespacedService({
      namespace: 'shop',
      body: service('web', { ports: [{ name: 'http', port: 80 }], selector: { app: 'web' } }),
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.generation).toBe(1);
    expect(created.spec?.clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\./);
    expect(created.spec?.clusterIPs).toEqual([created.spec?.clusterIP]);
    expect(created.spec?.ipFamilies).toEqual(['IPv4']);
    expect(created.spec?.ports?.[0]).toMatchObject({ protocol: 'TCP', targetPort: 80 });

    const read = await core.readNamespacedService({ namespace: 'shop', name: 'web' });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);

    const replaced = await core.replaceNamespacedService({
      namespace: 'shop',
      name: 'web',
      body: { ...read, spec: { ...read.spec, ports: [{ name: 'http', port: 8080 }] } },
    });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));
    expect(replaced.metadata?.generation).toBe(2);
    expect(replaced.spec?.clusterIP).toBe(created.spec?.clusterIP);

    // A stale resourceVersion loses: 409 Conflict.
    const stale = await failureOf(core.replaceNamespacedService({ namespace: 'shop', name: 'web', body: read }));
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });

    const merged = await core.patchNamespacedService(
      { namespace: 'shop', name: 'web', body: { metadata: { labels: { tier: 'front' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toEqual({ tier: 'front' });
    const strategic = await core.patchNamespacedService(
      { namespace: 'shop', name: 'web', body: { metadata: { labels: { tier: null } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.metadata?.labels ?? {}).toEqual({});
    // The client's default patch type is a JSON patch.
    const jsonPatched = await core.patchNamespacedService({
      namespace: 'shop',
      name: 'web',
      body: [{ op: 'add', path: '/metadata/annotations', value: { a: 'b' } }],
    });
    expect(jsonPatched.metadata?.annotations).toEqual({ a: 'b' });

    const deleted = await core.deleteNamespacedService({ namespace: 'shop', name: 'web' });
    expect(deleted.metadata?.name).toBe('web');
    const gone = await failureOf(core.readNamespacedService({ namespace: 'shop', name: 'web' }));
    expect(gone.code).toBe(404);
    expect(gone.body).toMatchObject({ reason: 'NotFound', message: 'services "web" not found', details: { name: 'web', kind: 'services' } });
  });

  it('does not bump the resourceVersion for a write that changes nothing', async () => {
    const created = await core.createNamespacedService({ namespace: 'shop', body: service('same', { ports: [{ port: 53, protocol: 'UDP' }] }) });
    const again = await core.replaceNamespacedService({ namespace: 'shop', name: 'same', body: created });
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
  });

  it('supports generateName, headless, ExternalName, fixed and IPv6 ClusterIPs, and NodePorts', async () => {
    const generated = await core.createNamespacedService({ namespace: 'shop', body: { metadata: { generateName: 'gen-' }, spec: { ports: [{ port: 1 }] } } });
    expect(generated.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    const headless = await core.createNamespacedService({ namespace: 'shop', body: service('db', { clusterIP: 'None', selector: { app: 'db' } }) });
    expect(headless.spec?.clusterIPs).toEqual(['None']);
    const external = await core.createNamespacedService({ namespace: 'shop', body: service('ext', { type: 'ExternalName', externalName: 'example.com' }) });
    expect(external.spec?.clusterIP).toBeUndefined();
    const fixed = await core.createNamespacedService({
      namespace: 'kube-system',
      body: service('kube-dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
    });
    expect(fixed.spec?.clusterIPs).toEqual(['10.96.0.10']);
    const v6 = await core.createNamespacedService({ namespace: 'shop', body: service('six', { ipFamilies: ['IPv6'], ports: [{ port: 80 }] }) });
    expect(v6.spec?.clusterIP).toMatch(/^fd00:10:96::/);
    const dual = await core.createNamespacedService({
      namespace: 'shop',
      body: service('dual', { ipFamilyPolicy: 'RequireDualStack', ports: [{ port: 80 }] }),
    });
    expect(dual.spec?.ipFamilies).toEqual(['IPv4', 'IPv6']);
    expect(dual.spec?.clusterIPs).toHaveLength(2);
    const nodePort = await core.createNamespacedService({ namespace: 'shop', body: service('np', { type: 'NodePort', ports: [{ port: 80 }] }) });
    expect(nodePort.spec?.ports?.[0].nodePort).toBeGreaterThanOrEqual(30000);
  });

  // As a real kube-apiserver 1.37 with a dual-stack service range stores them (compared by hand).
  it.each<[string, V1Service['spec'], Partial<NonNullable<V1Service['spec']>>]>([
    [
      'a headless Service without a selector is dual-stack',
      { clusterIP: 'None', ports: [{ port: 80 }] },
      { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack', clusterIPs: ['None'] },
    ],
    [
      'a headless Service with a selector is not',
      { clusterIP: 'None', selector: { app: 'x' }, ports: [{ port: 80 }] },
      { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' },
    ],
    ['an ExternalName Service has no session affinity', { type: 'ExternalName', externalName: 'x.example.org' }, { sessionAffinity: 'None' }],
    [
      'a NodePort Service routes external traffic cluster-wide',
      { type: 'NodePort', ports: [{ port: 80 }] },
      { externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster' },
    ],
    [
      'a LoadBalancer Service allocates node ports',
      { type: 'LoadBalancer', ports: [{ port: 80 }] },
      { externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true },
    ],
  ])('defaults as the real server: %s', async (_, spec, expected) => {
    const created = await core.createNamespacedService({ namespace: 'shop', body: { metadata: { generateName: 'defaults-' }, spec } });
    expect(created.spec).toMatchObject(expected);
  });

  it('frees a ClusterIP when its Service goes, and keeps it for the Service that holds it', async () => {
    const held = await core.createNamespacedService({ namespace: 'shop', body: service('holder', { clusterIP: '10.96.0.77', ports: [{ port: 80 }] }) });
    // Replaced with its own address: not "already allocated".
    const replaced = await core.replaceNamespacedService({
      namespace: 'shop',
      name: 'holder',
      body: { ...held, spec: { ...held.spec, ports: [{ port: 81 }] } },
    });
    expect(replaced.spec?.clusterIP).toBe('10.96.0.77');
    await expect(
      core.createNamespacedService({ namespace: 'shop', body: service('thief', { clusterIP: '10.96.0.77', ports: [{ port: 80 }] }) }),
    ).rejects.toMatchObject({ code: 422 });
    await core.deleteNamespacedService({ namespace: 'shop', name: 'holder' });
    const next = await core.createNamespacedService({ namespace: 'shop', body: service('next', { clusterIP: '10.96.0.77', ports: [{ port: 80 }] }) });
    expect(next.spec?.clusterIP).toBe('10.96.0.77');
  });

  // Table: a Service spec (or name), the expected 422 causes.
  const invalidServices: Array<{ name: string; spec: V1Service['spec']; fields: string[] }> = [
    { name: 'Upper', spec: { ports: [{ port: 80 }] }, fields: ['metadata.name'] },
    { name: '1abc', spec: { ports: [{ port: 80 }] }, fields: ['metadata.name'] },
    { name: 'a'.repeat(64), spec: { ports: [{ port: 80 }] }, fields: ['metadata.name'] },
    { name: 'p0', spec: { ports: [{ port: 0 }] }, fields: ['spec.ports[0].port'] },
    { name: 'p70000', spec: { ports: [{ port: 70000 }] }, fields: ['spec.ports[0].port'] },
    { name: 'noports', spec: {}, fields: ['spec.ports'] },
    { name: 'badname', spec: { ports: [{ name: 'Http_x', port: 80 }] }, fields: ['spec.ports[0].name'] },
    {
      name: 'dupname',
      spec: {
        ports: [
          { name: 'a', port: 80 },
          { name: 'a', port: 81 },
        ],
      },
      fields: ['spec.ports[1].name'],
    },
    { name: 'unnamed', spec: { ports: [{ port: 80 }, { name: 'b', port: 81 }] }, fields: ['spec.ports[0].name'] },
    { name: 'badproto', spec: { ports: [{ port: 80, protocol: 'ICMP' }] }, fields: ['spec.ports[0].protocol'] },
    { name: 'badip', spec: { clusterIP: '10.96.0.300', ports: [{ port: 80 }] }, fields: ['spec.clusterIP'] },
    { name: 'outside', spec: { clusterIP: '192.168.0.1', ports: [{ port: 80 }] }, fields: ['spec.clusterIPs[0]'] },
    { name: 'taken', spec: { clusterIP: '10.96.0.1', ports: [{ port: 80 }] }, fields: ['spec.clusterIPs[0]'] },
    { name: 'mismatch', spec: { clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.51'], ports: [{ port: 80 }] }, fields: ['spec.clusterIPs[0]'] },
    { name: 'noext', spec: { type: 'ExternalName' }, fields: ['spec.externalName'] },
    { name: 'badext', spec: { type: 'ExternalName', externalName: 'Not_A_Name' }, fields: ['spec.externalName'] },
    { name: 'badtype', spec: { type: 'Magic', ports: [{ port: 80 }] }, fields: ['spec.type'] },
    { name: 'badfamily', spec: { ipFamilies: ['IPv5'], ports: [{ port: 80 }] }, fields: ['spec.ipFamilies[0]'] },
  ];
  it.each(invalidServices)('rejects $name with 422 on $fields', async ({ name, spec, fields }) => {
    const failed = await failureOf(core.createNamespacedService({ namespace: 'shop', body: service(name, spec) }));
    expect(failed.code).toBe(422);
    expect(failed.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422 });
    expect(failed.body.message).toContain(`Service "${name}" is invalid`);
    expect(failed.body.details?.causes?.map((c) => c.field)).toEqual(fields);
  });

  it('answers 409 AlreadyExists for a duplicate and 404 for a missing namespace', async () => {
    await core.createNamespacedService({ namespace: 'shop', body: service('dup', { ports: [{ port: 80 }] }) });
    const dup = await failureOf(core.createNamespacedService({ namespace: 'shop', body: service('dup', { ports: [{ port: 80 }] }) }));
    expect(dup.code).toBe(409);
    expect(dup.body).toMatchObject({ reason: 'AlreadyExists', message: 'services "dup" already exists' });
    const noNs = await failureOf(core.createNamespacedService({ namespace: 'nowhere', body: service('x', { ports: [{ port: 80 }] }) }));
    expect(noNs.code).toBe(404);
    expect(noNs.body).toMatchObject({ reason: 'NotFound', message: 'namespaces "nowhere" not found', details: { name: 'nowhere', kind: 'namespaces' } });
  });
});

describe('selectors and paging', () => {
  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: 'sel' } } });
    const labelled: Array<[string, Record<string, string>]> = [
      ['a', { app: 'web', tier: 'front' }],
      ['b', { app: 'web', tier: 'back' }],
      ['c', { app: 'db' }],
      ['d', {}],
    ];
    for (const [name, labels] of labelled) {
      await core.createNamespacedConfigMap({ namespace: 'sel', body: { metadata: { name, labels }, data: { k: name } } });
    }
  });

  // Table: a selector, the names it selects.
  const labelCases: Array<[string, string[]]> = [
    ['', ['a', 'b', 'c', 'd']],
    ['app=web', ['a', 'b']],
    ['app==web', ['a', 'b']],
    ['app!=web', ['c', 'd']],
    ['app in (web,db)', ['a', 'b', 'c']],
    ['app notin (web)', ['c', 'd']],
    ['tier', ['a', 'b']],
    ['!tier', ['c', 'd']],
    ['app=web,tier=back', ['b']],
    ['app in (db), !tier', ['c']],
  ];
  it.each(labelCases)('labelSelector %j selects %j', async (labelSelector, names) => {
    const list = await core.listNamespacedConfigMap({ namespace: 'sel', labelSelector });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(names);
  });

  const fieldCases: Array<[string, string[]]> = [
    ['metadata.name=b', ['b']],
    ['metadata.name!=b', ['a', 'c', 'd']],
    ['metadata.namespace=sel,metadata.name==c', ['c']],
  ];
  it.each(fieldCases)('fieldSelector %j selects %j', async (fieldSelector, names) => {
    const list = await core.listNamespacedConfigMap({ namespace: 'sel', fieldSelector });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(names);
  });

  it('rejects a bad selector with 400', async () => {
    const bad = await failureOf(core.listNamespacedConfigMap({ namespace: 'sel', labelSelector: 'app in (web' }));
    expect(bad.code).toBe(400);
    const field = await failureOf(core.listNamespacedConfigMap({ namespace: 'sel', fieldSelector: 'spec.nope=1' }));
    expect(field.code).toBe(400);
    expect(field.body.message).toBe('field label not supported: spec.nope');
  });

  it('pages with limit and continue, and expires an old continue token', async () => {
    const first = await core.listNamespacedConfigMap({ namespace: 'sel', limit: 3 });
    expect(first.items.map((i) => i.metadata?.name)).toEqual(['a', 'b', 'c']);
    expect(first.metadata?.remainingItemCount).toBe(1);
    const token = first.metadata?._continue;
    expect(token).toBeTruthy();
    const second = await core.listNamespacedConfigMap({ namespace: 'sel', limit: 3, _continue: token });
    expect(second.items.map((i) => i.metadata?.name)).toEqual(['d']);
    expect(second.metadata?._continue).toBeFalsy();
    await core.createNamespacedConfigMap({ namespace: 'sel', body: { metadata: { name: 'e' } } });
    sim.compact();
    const old = await failureOf(core.listNamespacedConfigMap({ namespace: 'sel', limit: 3, _continue: token }));
    expect(old.code).toBe(410);
    expect(old.body).toMatchObject({ reason: 'Expired', code: 410 });
  });

  it('lists across namespaces', async () => {
    const all = await core.listConfigMapForAllNamespaces();
    expect(all.items.filter((i) => i.metadata?.namespace === 'sel').length).toBeGreaterThanOrEqual(4);
    expect(Number(all.metadata?.resourceVersion)).toBeGreaterThan(0);
  });
});

describe('EndpointSlices, Leases, Pods, Secrets, Namespaces', () => {
  it('validates EndpointSlices', async () => {
    const slice = await discovery.createNamespacedEndpointSlice({
      namespace: 'shop',
      body: {
        metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true }, hostname: 'web-0' }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    });
    expect(slice.metadata?.resourceVersion).toBeTruthy();
    // An unnamed port is stored with the empty name, as the real server does.
    const unnamed = await discovery.createNamespacedEndpointSlice({
      namespace: 'shop',
      body: { metadata: { name: 'web-unnamed' }, addressType: 'IPv4', endpoints: [], ports: [{ port: 80 }] },
    });
    expect(unnamed.ports).toEqual([{ name: '', port: 80, protocol: 'TCP' }]);
    // Table: a slice, the expected causes.
    const bad: Array<[Record<string, unknown>, string[]]> = [
      [{ addressType: 'IPv5', endpoints: [] }, ['addressType']],
      [{ addressType: 'IPv4', endpoints: [{ addresses: ['fd00::1'] }] }, ['endpoints[0].addresses[0]']],
      [{ addressType: 'IPv6', endpoints: [{ addresses: ['10.0.0.1'] }] }, ['endpoints[0].addresses[0]']],
      [{ addressType: 'FQDN', endpoints: [{ addresses: ['Bad_Name'] }] }, ['endpoints[0].addresses[0]']],
      [{ addressType: 'IPv4', endpoints: [{ addresses: [] }] }, ['endpoints[0].addresses']],
      [{ addressType: 'IPv4', endpoints: [], ports: [{ name: 'a' }, { name: 'a' }] }, ['ports[1].name']],
    ];
    for (const [body, fields] of bad) {
      const failed = await failureOf(discovery.createNamespacedEndpointSlice({ namespace: 'shop', body: { metadata: { name: 'bad' }, ...body } as never }));
      expect(failed.code).toBe(422);
      expect(failed.body.details?.causes?.map((c) => c.field)).toEqual(fields);
    }
  });

  it('does optimistic concurrency on Leases', async () => {
    const lease = await coordination.createNamespacedLease({
      namespace: 'kube-system',
      body: { metadata: { name: 'halo-watcher' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: new Date() } },
    });
    const won = await coordination.replaceNamespacedLease({
      namespace: 'kube-system',
      name: 'halo-watcher',
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } },
    });
    expect(won.spec?.holderIdentity).toBe('b');
    const lost = await failureOf(
      coordination.replaceNamespacedLease({ namespace: 'kube-system', name: 'halo-watcher', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'c' } } }),
    );
    expect(lost.code).toBe(409);
    const deleted = await coordination.deleteNamespacedLease({ namespace: 'kube-system', name: 'halo-watcher' });
    expect(deleted).toMatchObject({ status: 'Success' });
  });

  it('creates a missing Lease on a PUT, as the real server does', async () => {
    const created = await coordination.replaceNamespacedLeaseWithHttpInfo({
      namespace: 'kube-system',
      name: 'put-made',
      body: { metadata: { name: 'put-made' }, spec: { holderIdentity: 'a' } },
    });
    expect(created.httpStatusCode).toBe(201);
    expect(created.data.spec?.holderIdentity).toBe('a');
    const versioned = await coordination.replaceNamespacedLeaseWithHttpInfo({
      namespace: 'kube-system',
      name: 'put-versioned',
      body: { metadata: { name: 'put-versioned', resourceVersion: '1' }, spec: {} },
    });
    expect(versioned.httpStatusCode).toBe(201);
    // Not every kind: a missing ConfigMap stays missing.
    expect((await failureOf(core.replaceNamespacedConfigMap({ namespace: 'shop', name: 'put-made', body: { metadata: { name: 'put-made' } } }))).code).toBe(
      404,
    );
  });

  it('keeps Pod status apart from spec writes and takes it through /status', async () => {
    const pod = await core.createNamespacedPod({
      namespace: 'shop',
      body: { metadata: { name: 'web-0' }, spec: { containers: [{ name: 'web', image: 'nginx' }] }, status: { podIP: '1.2.3.4' } },
    });
    expect(pod.status).toEqual({ phase: 'Pending' });
    const running = await core.replaceNamespacedPodStatus({
      namespace: 'shop',
      name: 'web-0',
      body: { ...pod, status: { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }] } },
    });
    expect(running.status?.podIP).toBe('10.0.0.5');
    const byIP = await core.listNamespacedPod({ namespace: 'shop', fieldSelector: 'status.podIP=10.0.0.5' });
    expect(byIP.items.map((p) => p.metadata?.name)).toEqual(['web-0']);
    const noImage = await failureOf(
      core.createNamespacedPod({ namespace: 'shop', body: { metadata: { name: 'x' }, spec: { containers: [{ name: 'x' }] } } as never }),
    );
    expect(noImage.body.details?.causes?.map((c) => c.field)).toEqual(['spec.containers[0].image']);
  });

  it('turns Secret stringData into data', async () => {
    const secret = await core.createNamespacedSecret({ namespace: 'shop', body: { metadata: { name: 's' }, stringData: { token: 'abc' } } });
    expect(secret.data).toEqual({ token: Buffer.from('abc').toString('base64') });
    expect(secret.type).toBe('Opaque');
  });

  it('deletes a namespace with its contents, and refuses to delete default', async () => {
    await core.createNamespace({ body: { metadata: { name: 'tmp' } } });
    await core.createNamespacedConfigMap({ namespace: 'tmp', body: { metadata: { name: 'cm' } } });
    await core.deleteNamespace({ name: 'tmp' });
    const gone = await failureOf(core.readNamespacedConfigMap({ namespace: 'tmp', name: 'cm' }));
    expect(gone.code).toBe(404);
    const refused = await failureOf(core.deleteNamespace({ name: 'default' }));
    expect(refused.code).toBe(403);
    const badNs = await failureOf(core.createNamespace({ body: { metadata: { name: 'Not.A.Label' } } }));
    expect(badNs.code).toBe(422);
  });
});

describe('discovery', () => {
  it('serves /api, /apis, resource lists and /version', async () => {
    const get = async (path: string): Promise<Record<string, unknown>> => (await fetch(`${sim.url}${path}`)).json() as Promise<Record<string, unknown>>;
    expect(await get('/api')).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await get('/apis')) as { groups: Array<{ name: string }> };
    expect(groups.groups.map((g) => g.name).sort()).toEqual(['coordination.k8s.io', 'discovery.k8s.io']);
    const v1 = (await get('/api/v1')) as { resources: Array<{ name: string; namespaced: boolean }> };
    expect(v1.resources.find((r) => r.name === 'services')).toMatchObject({ namespaced: true, kind: 'Service' });
    expect(v1.resources.find((r) => r.name === 'namespaces')).toMatchObject({ namespaced: false });
    expect(await get('/apis/discovery.k8s.io/v1')).toMatchObject({ groupVersion: 'discovery.k8s.io/v1' });
    expect(await get('/version')).toMatchObject({ major: '1', minor: '32' });
    expect((await fetch(`${sim.url}/apis/nope.io/v1`)).status).toBe(404);
  });
});
