// RBAC proven, not assumed: the production overlay's ServiceAccounts and roles created in a real
// kube-apiserver; each component runs with a token of the ServiceAccount its workload names and does its
// job, and what it must not do is refused. Then every overlay passes a server-side dry run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import {
  CoordinationV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1EndpointSlice,
  type V1PodSpec,
} from '@kubernetes/client-node';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { loadKubeConfig } from '@halo/kube';
import { connectApiServer, createLeanInformer } from '@halo/kube/lean';
import { findControlPlaneBinaries, startControlPlane, type ControlPlane } from '@halo/control-plane';
import { freePort, spawnProcess, startNatsServer, waitFor, type ChildHandle, type NatsServer } from '@halo/testing';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = (app: string) => `${root}apps/${app}/src/main.ts`;
const binaries = findControlPlaneBinaries();
if (!binaries.ok) console.warn(`rbac.test.ts skipped: ${binaries.message}`);

type Manifest = KubernetesObject & { spec?: { template?: { spec?: V1PodSpec } } };

const accessKinds = new Set(['Namespace', 'ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

/** The workload whose container runs `app` (the image's first argument): where it runs, as whom, with which arguments. */
function workloadOf(objs: Manifest[], app: string) {
  for (const o of objs) {
    const pod = o.spec?.template?.spec;
    const container = pod?.containers.find((c) => c.args?.[0] === app);
    if (!pod || !container) continue;
    // What kubectl does with an object that names no namespace: the context's, here `default`.
    return {
      namespace: o.metadata?.namespace ?? 'default',
      serviceAccount: pod.serviceAccountName ?? 'default',
      args: container.args ?? [],
      name: `${o.kind}/${o.metadata?.name}`,
    };
  }
  throw new Error(`no workload in the overlay runs ${app}`);
}

/** A flag's value in a container's arguments, as `--flag value` or `--flag=value`. */
function flagOf(args: string[], flag: string): string | undefined {
  const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i < 0) return undefined;
  return args[i] === flag ? args[i + 1] : args[i]!.slice(flag.length + 1);
}

/** A CustomResourceDefinition that accepts any object of each kind given (a stand-in for the real one). */
function standInCrds(objs: Manifest[]) {
  const kinds = new Map<string, { group: string; version: string; kind: string }>();
  for (const o of objs) {
    const [group = '', version = ''] = (o.apiVersion ?? '').split('/');
    kinds.set(`${o.kind}.${group}`, { group, version, kind: o.kind ?? '' });
  }
  return [...kinds.values()].map(({ group, version, kind }) => {
    const plural = `${kind.toLowerCase()}s`;
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
        versions: [
          { name: version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
        ],
      },
    };
  });
}

const readyPort = (child: ChildHandle, key: 'port' | 'admin') => {
  const line = child.lines.find((l) => l.includes('"ready":true'));
  return Number((JSON.parse(line ?? '{}') as Record<string, unknown>)[key]);
};

describe.skipIf(!binaries.ok)('against a real kube-apiserver', () => {
  let plane: ControlPlane;
  let nats: NatsServer;
  let admin: KubeConfig;
  const children: ChildHandle[] = [];
  const render = async (overlay: string) =>
    parseAllDocuments(await plane.kubectl(['kustomize', `${root}deploy/overlays/${overlay}`])).map((d) => d.toJS() as Manifest);

  beforeAll(async () => {
    plane = await startControlPlane();
    nats = await startNatsServer({ jetstream: true });
    admin = loadKubeConfig({ kubeconfig: plane.kubeconfig });
  }, 120_000);

  afterAll(async () => {
    for (const c of children.reverse()) await c.kill('SIGTERM').catch(() => undefined);
    await nats?.stop();
    await plane?.stop();
  });

  describe("the production overlay's RBAC", () => {
    let objs: Manifest[];
    const kubeconfigs = new Map<string, KubeConfig>();
    const as = (app: string) => kubeconfigs.get(app)!;
    const refused = async (call: Promise<unknown>) => {
      await expect(call).rejects.toMatchObject({ code: 403 });
    };

    beforeAll(async () => {
      objs = await render('production');
      // Only who may do what (and where): no workload runs here, the test starts each component itself.
      const access = objs.filter((o) => accessKinds.has(o.kind ?? ''));
      await plane.kubectl(['create', '-f', '-'], { input: access.map((o) => stringify(o)).join('---\n') });
      for (const app of ['watcher', 'config', 'node-cache', 'answerer']) {
        const w = workloadOf(objs, app);
        kubeconfigs.set(app, loadKubeConfig({ kubeconfig: (await plane.serviceAccountKubeconfig(w.namespace, w.serviceAccount)).file }));
      }
    }, 60_000);

    it('the watcher lists and watches the zone, writes it as leader, and holds its Lease', async () => {
      const w = workloadOf(objs, 'watcher');
      const { file } = await plane.serviceAccountKubeconfig(w.namespace, w.serviceAccount);
      children.push(
        await spawnProcess(
          entry('watcher'),
          ['--nats', nats.url, '--kubeconfig', file, '--admin-host', '127.0.0.1', '--admin-port', '0', '--identity', 'rbac-watcher', '--lease-duration', '4'],
          {
            // As the Deployment gives it from the downward API.
            env: { ...process.env, POD_NAMESPACE: w.namespace, POD_NAME: 'rbac-watcher' },
            readyLine: /"ready":true/,
            timeoutMs: 60_000,
          },
        ),
      );
      const watcher = children.at(-1)!;
      await watcher.waitForLine(/started leading/, 30_000);
      const lease = await admin.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: w.namespace, name: 'halo-watcher' });
      expect(lease.spec?.holderIdentity).toBe('rbac-watcher');

      await admin
        .makeApiClient(CoreV1Api)
        .createNamespacedService({ namespace: 'default', body: { metadata: { name: 'checkout' }, spec: { clusterIP: '10.96.30.1', ports: [{ port: 80 }] } } });
      const nc = await connect({ servers: nats.url });
      try {
        const zone = await new Kvm(nc).open('halo-zone');
        await waitFor(async () => (await zone.get('svc.default.checkout'))?.operation === 'PUT', {
          timeoutMs: 15_000,
          message: 'the watcher never wrote svc.default.checkout',
        });
      } finally {
        await nc.close();
      }
      expect(watcher.lines.filter((l) => /forbidden|\b403\b/i.test(l))).toEqual([]);
      // It watches its own Lease (list and watch by name), to take over the moment a leader's lease runs out.
      expect(watcher.lines.some((l) => l.includes('"msg":"leases synced"'))).toBe(true);
    });

    it('the config service reads the dns-extra-configs ConfigMap and its own tokens Secret', async () => {
      const w = workloadOf(objs, 'config');
      const tokensSecret = flagOf(w.args, '--tokens-secret');
      expect(tokensSecret, `${w.name} names its tokens Secret`).toBeDefined();
      const [secretNamespace, secretName] = tokensSecret!.split('/') as [string, string];
      const core = admin.makeApiClient(CoreV1Api);
      await core.createNamespacedSecret({
        namespace: secretNamespace,
        body: { metadata: { name: secretName }, stringData: { 'write.alice': 'alice-token-0123456789' } },
      });
      await core.createNamespacedConfigMap({
        namespace: 'kube-system',
        body: { metadata: { name: 'dns-extra-configs' }, data: { Corefile: 'corp.internal {\n  hosts {\n    10.5.0.1 db.corp.internal\n  }\n}\n' } },
      });
      const { file } = await plane.serviceAccountKubeconfig(w.namespace, w.serviceAccount);
      const config = await spawnProcess(
        entry('config'),
        [
          '--nats',
          nats.url,
          '--kubeconfig',
          file,
          '--tokens-secret',
          tokensSecret!,
          '--host',
          '127.0.0.1',
          '--port',
          '0',
          '--admin-host',
          '127.0.0.1',
          '--admin-port',
          '0',
        ],
        {
          readyLine: /"ready":true/,
          timeoutMs: 60_000,
        },
      );
      children.push(config);
      const response = await fetch(`http://127.0.0.1:${readyPort(config, 'port')}/v1/fragments`, {
        headers: { authorization: 'Bearer alice-token-0123456789' },
      });
      expect(response.status).toBe(200);
      expect(JSON.stringify(await response.json())).toContain('cm-dns-extra-configs-corefile');
    });

    it("the node cache follows the answerers' EndpointSlices", async () => {
      const w = workloadOf(objs, 'node-cache');
      const service = flagOf(w.args, '--answerers-service');
      expect(service, `${w.name} names the answerers' Service`).toBeDefined();
      const [svcNamespace, svcName] = service!.split(':')[0]!.split('/') as [string, string];
      // The real API server refuses loopback endpoints (kube-sim takes them): the pool is two pod
      // addresses no query is sent to; the node cache says which pool it forwards to.
      const discovery = admin.makeApiClient(DiscoveryV1Api);
      const slice = (ip: string, resourceVersion?: string) => ({
        metadata: { name: `${svcName}-1`, namespace: svcNamespace, labels: { 'kubernetes.io/service-name': svcName }, resourceVersion },
        addressType: 'IPv4',
        ports: [{ name: 'dns', port: 53, protocol: 'UDP' }],
        endpoints: [{ addresses: [ip], conditions: { ready: true } }],
      });
      await admin.makeApiClient(CoreV1Api).createNamespacedService({
        namespace: svcNamespace,
        body: { metadata: { name: svcName }, spec: { clusterIP: 'None', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } },
      });
      await discovery.createNamespacedEndpointSlice({ namespace: svcNamespace, body: slice('10.244.0.53') });
      const { file } = await plane.serviceAccountKubeconfig(w.namespace, w.serviceAccount);
      const cachePort = await freePort({ udp: true });
      const cache = await spawnProcess(
        entry('node-cache'),
        [
          '--listen',
          `127.0.0.1:${cachePort}`,
          '--answerers-service',
          service!,
          '--kubeconfig',
          file,
          '--nats',
          nats.url,
          '--upstream',
          '127.0.0.1:9',
          '--instance',
          'rbac-node-cache',
        ],
        {
          env: { ...process.env, LOG_LEVEL: 'info' },
          readyLine: /"ready":true/,
          timeoutMs: 60_000,
        },
      );
      children.push(cache);
      // Listed…
      expect(await cache.waitForLine(/"msg":"answering"/, 15_000)).toContain('"host":"10.244.0.53"');
      // …and watched.
      const current = await discovery.readNamespacedEndpointSlice({ namespace: svcNamespace, name: `${svcName}-1` });
      await discovery.replaceNamespacedEndpointSlice({
        namespace: svcNamespace,
        name: `${svcName}-1`,
        body: slice('10.244.0.54', current.metadata?.resourceVersion),
      });
      expect(await cache.waitForLine(/answerer pool changed/, 15_000)).toContain('"host":"10.244.0.54"');
    });

    it("the node cache's client in a pod: the service account's token and CA as the kubelet mounts them", async () => {
      const w = workloadOf(objs, 'node-cache');
      const [svcNamespace, svcName] = flagOf(w.args, '--answerers-service')!.split(':')[0]!.split('/') as [string, string];
      const { token } = await plane.serviceAccountKubeconfig(w.namespace, w.serviceAccount);
      const dir = await mkdtemp(join(tmpdir(), 'halo-sa-'));
      try {
        await writeFile(join(dir, 'token'), token);
        await writeFile(join(dir, 'ca.crt'), plane.caPem);
        // What a pod's environment says of the API server.
        const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(plane.port) };
        const api = await connectApiServer({ serviceAccountDir: dir }, env);
        const informer = createLeanInformer<V1EndpointSlice>(api, 'endpointslices', {
          namespace: svcNamespace,
          labelSelector: `kubernetes.io/service-name=${svcName}`,
        });
        await informer.start();
        try {
          await admin.makeApiClient(DiscoveryV1Api).createNamespacedEndpointSlice({
            namespace: svcNamespace,
            body: {
              metadata: { name: `${svcName}-2`, labels: { 'kubernetes.io/service-name': svcName } },
              addressType: 'IPv4',
              endpoints: [{ addresses: ['10.244.1.53'], conditions: { ready: true } }],
            },
          });
          await waitFor(() => informer.get(`${svcNamespace}/${svcName}-2`), { timeoutMs: 10_000, message: 'the new slice, watched' });
          // Least privilege holds for this client too.
          await expect(api.get('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices')).rejects.toMatchObject({ status: 403 });
          // The token is read for every request (the kubelet rotates it): a revoked one is refused at once.
          await writeFile(join(dir, 'token'), 'not-a-token');
          await expect(api.get(`/apis/discovery.k8s.io/v1/namespaces/${svcNamespace}/endpointslices`)).rejects.toMatchObject({ status: 401 });
        } finally {
          await informer.stop();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    // What each component must not do, asked with its own token.
    it.each<[string, string, (kc: KubeConfig, ns: (app: string) => string) => Promise<unknown>]>([
      ['watcher', 'read a Secret', (kc, ns) => kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns('config'), name: 'halo-config-tokens' })],
      ['watcher', 'list Secrets anywhere', (kc) => kc.makeApiClient(CoreV1Api).listSecretForAllNamespaces()],
      [
        'watcher',
        'create a Service',
        (kc) =>
          kc
            .makeApiClient(CoreV1Api)
            .createNamespacedService({ namespace: 'default', body: { metadata: { name: 'sneaky' }, spec: { ports: [{ port: 80 }] } } }),
      ],
      ['watcher', 'delete a Service', (kc) => kc.makeApiClient(CoreV1Api).deleteNamespacedService({ namespace: 'default', name: 'kubernetes' })],
      ['watcher', 'write an EndpointSlice', (kc) => kc.makeApiClient(DiscoveryV1Api).deleteNamespacedEndpointSlice({ namespace: 'default', name: 'anything' })],
      [
        'watcher',
        "take another component's Lease",
        (kc, ns) =>
          kc.makeApiClient(CoordinationV1Api).replaceNamespacedLease({
            namespace: ns('watcher'),
            name: 'kube-scheduler',
            body: { metadata: { name: 'kube-scheduler' }, spec: { holderIdentity: 'rbac-watcher' } },
          }),
      ],
      [
        'watcher',
        'hold a Lease in another namespace',
        (kc) =>
          kc
            .makeApiClient(CoordinationV1Api)
            .createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'halo-watcher' }, spec: { holderIdentity: 'rbac-watcher' } } }),
      ],
      ['config', 'read another Secret', (kc) => kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: 'kube-system', name: 'bootstrap-token-abcdef' })],
      ['config', 'list every Secret of its namespace', (kc, ns) => kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns('config') })],
      [
        'config',
        'change the ConfigMap it reads',
        (kc) => kc.makeApiClient(CoreV1Api).deleteNamespacedConfigMap({ namespace: 'kube-system', name: 'dns-extra-configs' }),
      ],
      ['config', 'read ConfigMaps of other namespaces', (kc) => kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: 'default' })],
      ['config', 'list Services', (kc) => kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces()],
      ['node-cache', 'list Services', (kc) => kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces()],
      ['node-cache', 'read a Secret', (kc, ns) => kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns('config'), name: 'halo-config-tokens' })],
      ['node-cache', 'list EndpointSlices of other namespaces', (kc) => kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: 'default' })],
      [
        'node-cache',
        'write an EndpointSlice',
        (kc, ns) => kc.makeApiClient(DiscoveryV1Api).deleteNamespacedEndpointSlice({ namespace: ns('node-cache'), name: 'halo-answerers-1' }),
      ],
      ['answerer', 'list Services', (kc) => kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces()],
      ['answerer', 'list EndpointSlices', (kc) => kc.makeApiClient(DiscoveryV1Api).listEndpointSliceForAllNamespaces()],
    ])('the %s may not %s', async (app, _what, call) => {
      await refused(call(as(app), (other) => workloadOf(objs, other).namespace));
    });
  });

  describe('every overlay', () => {
    it.each(['dev', 'production'])('%s passes kubectl apply --dry-run=server', async (overlay) => {
      const objs = await render(overlay);
      // A dry run creates nothing, so the namespaces the overlay brings must exist first.
      const namespaces = objs.filter((o) => o.kind === 'Namespace');
      if (namespaces.length > 0) await plane.kubectl(['apply', '-f', '-'], { input: namespaces.map((o) => stringify(o)).join('---\n') });
      // Kinds of other projects' CRDs (the Prometheus Operator's monitors) are made known by stand-ins that
      // take any spec: the real CRDs are not to be had offline; deploy/test checks the monitors' shape.
      const served = new Set((await plane.kubectl(['api-versions'])).trim().split('\n'));
      for (const crd of standInCrds(objs.filter((o) => !served.has(o.apiVersion ?? '')))) {
        await plane.kubectl(['apply', '-f', '-'], { input: stringify(crd) });
        await plane.kubectl(['wait', '--for=condition=Established', `crd/${crd.metadata.name}`, '--timeout=30s']);
      }
      const out = await plane.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: objs.map((o) => stringify(o)).join('---\n') });
      const lines = out.trim().split('\n');
      expect(lines).toHaveLength(objs.length);
      for (const line of lines) expect(line).toMatch(/ \(server dry run\)$/);
    });
  });
});
