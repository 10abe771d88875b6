import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { KubeSimSeedError, objectsFromYaml, startKubeSim } from '../src/index.ts';
import { kubeConfigFor } from './client.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-sim-seed-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cluster = `apiVersion: v1
kind: Service
metadata:
  name: kubernetes
  namespace: default
spec:
  clusterIP: 10.96.0.1
  ports:
  - name: https
    port: 443
    targetPort: 8443
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: { name: web, namespace: shop, labels: { app: web } }
  spec:
    selector: { app: web }
    ports: [{ name: http, port: 80 }]
  status:
    loadBalancer:
      ingress: [{ ip: 192.0.2.1 }]
- apiVersion: discovery.k8s.io/v1
  kind: EndpointSlice
  metadata: { name: web-a, namespace: shop, labels: { kubernetes.io/service-name: web } }
  addressType: IPv4
  endpoints: [{ addresses: [10.0.0.1], conditions: { ready: true } }]
  ports: [{ name: http, port: 8080 }]
---
# the namespace after its objects: seeding creates namespaces first
apiVersion: v1
kind: Namespace
metadata:
  name: shop
`;

describe('seeding', () => {
  it('stores objects as given, status included, and replaces the defaults instead of duplicating them', async () => {
    const file = join(dir, 'cluster.yaml');
    await writeFile(file, cluster);
    const sim = await startKubeSim({ seedFiles: [file] });
    try {
      const core = kubeConfigFor(sim.url).makeApiClient(CoreV1Api);
      const defaults = await core.listNamespacedService({ namespace: 'default' });
      expect(defaults.items.map((s) => s.metadata?.name)).toEqual(['kubernetes']);
      expect(defaults.items[0].spec?.ports?.[0].targetPort).toBe(8443);
      const web = await core.readNamespacedService({ namespace: 'shop', name: 'web' });
      expect(web.status?.loadBalancer?.ingress?.[0].ip).toBe('192.0.2.1');
      const slices = await kubeConfigFor(sim.url).makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: 'shop' });
      expect(slices.items.map((s) => s.endpoints?.[0].addresses)).toEqual([['10.0.0.1']]);
      const namespaces = await core.listNamespace();
      expect(namespaces.items.filter((n) => n.metadata?.name === 'default')).toHaveLength(1);
    } finally {
      await sim.close();
    }
  });

  // Table: a seed file, the error code startKubeSim throws.
  const bad: Array<[string, string, string]> = [
    ['missing.yaml', '', 'SeedUnreadable'],
    ['broken.yaml', 'kind: [unclosed', 'SeedInvalidYaml'],
    ['unknown.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\n', 'SeedUnknownKind'],
    ['invalid.yaml', 'apiVersion: v1\nkind: Service\nmetadata: { name: x }\nspec: { ports: [{ port: 0 }] }\n', 'SeedRejected'],
    ['nons.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x, namespace: nowhere }\n', 'SeedRejected'],
  ];
  it.each(bad)('rejects %s with %s', async (name, text, code) => {
    const file = join(dir, name);
    if (text) await writeFile(file, text);
    const error = await startKubeSim({ seedFiles: [file] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KubeSimSeedError);
    expect((error as KubeSimSeedError).code).toBe(code);
    expect((error as KubeSimSeedError).message).toContain(file);
  });
});

describe('objectsFromYaml', () => {
  // A JSON List (what the benchmarks write) is read with JSON.parse; YAML flow style that is no JSON
  // still goes through the YAML parser.
  const cases: [string, string, string[]][] = [
    ['a JSON List', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }] }), ['a']],
    ['YAML flow style', '{apiVersion: v1, kind: Namespace, metadata: {name: b}}', ['b']],
    [
      'block YAML, two documents',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: c}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: d}\n',
      ['c', 'd'],
    ],
  ];
  it.each(cases)('%s', (_label, text, names) => {
    const parsed = objectsFromYaml(text);
    expect(parsed.ok && parsed.objects.map((o) => (o as { metadata: { name: string } }).metadata.name)).toEqual(names);
  });
  it('reports YAML that is neither', () => {
    expect(objectsFromYaml('{nope: [').ok).toBe(false);
  });
});

describe('CLI', () => {
  it('prints one ready line with the url, serves the seed, and stops on SIGTERM', async () => {
    const file = join(dir, 'cli.yaml');
    await writeFile(file, cluster);
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child = spawn(process.execPath, [main, '--port', '0', '--seed', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const lines = createInterface(child.stdout);
      const first = await new Promise<string>((resolve) => lines.once('line', resolve));
      const ready = JSON.parse(first) as { ready: boolean; url: string };
      expect(ready.ready).toBe(true);
      const core = kubeConfigFor(ready.url).makeApiClient(CoreV1Api);
      expect((await core.readNamespacedService({ namespace: 'shop', name: 'web' })).metadata?.name).toBe('web');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('on SIGHUP ends every watch and drops its history, as an API server restart: clients relist', async () => {
    const file = join(dir, 'cli-hup.yaml');
    await writeFile(file, cluster);
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child = spawn(process.execPath, [main, '--port', '0', '--seed', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const lines = createInterface(child.stdout);
      const next = () => new Promise<string>((resolve) => lines.once('line', resolve));
      const { url } = JSON.parse(await next()) as { url: string };
      const open = await fetch(`${url}/api/v1/services?watch=true&resourceVersion=1`);
      const reader = open.body?.getReader();
      const ended = (async () => {
        for (;;) if (!reader || (await reader.read()).done) return true;
      })();
      child.kill('SIGHUP');
      expect(JSON.parse(await next())).toEqual({ restarted: true });
      expect(await ended).toBe(true);
      // A watch from before the restart is answered 410 Gone: the client must list again.
      const again = await (await fetch(`${url}/api/v1/services?watch=true&resourceVersion=1`)).text();
      expect(JSON.parse(again.split('\n')[0] ?? '')).toMatchObject({ type: 'ERROR', object: { code: 410 } });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
