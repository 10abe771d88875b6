// `npm start -- --kubeconfig FILE [--context NAME]` and `--kube-server URL`: the stack answers for the
// Services of a real cluster, with a user who may only read what DNS needs, and writes nothing to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '@halo/kube';
import { findControlPlaneBinaries, kubeconfigText, startControlPlane, type ControlPlane } from '@halo/control-plane';
import { freePort, query, spawnProcess, waitFor, type ChildHandle } from '@halo/testing';
import { defaultManifests } from '../src/index.ts';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const binaries = findControlPlaneBinaries();
if (!binaries.ok) console.warn(`start.test.ts skipped: ${binaries.message}`);

// What a person pointing Halo at a cluster needs, and nothing more: no write of any kind, no Secrets, no ConfigMaps.
const reader = `
apiVersion: v1
kind: ServiceAccount
metadata: { name: laptop, namespace: default }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: dns-reader }
rules:
  - { apiGroups: [""], resources: [services, namespaces], verbs: [list, watch] }
  - { apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: laptop-dns-reader }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: dns-reader }
subjects: [{ kind: ServiceAccount, name: laptop, namespace: default }]
`;

describe.skipIf(!binaries.ok)('npm start against a real kube-apiserver', () => {
  let plane: ControlPlane;
  let kubeconfig: string;
  const running: ChildHandle[] = [];

  beforeAll(async () => {
    plane = await startControlPlane();
    await plane.kubectl(['create', '-f', defaultManifests]);
    await plane.kubectl(['create', '-f', '-'], { input: reader });
    const { token } = await plane.serviceAccountKubeconfig('default', 'laptop');
    // Two contexts; the current one points nowhere, so only --context finds the cluster.
    kubeconfig = join(plane.dir, 'laptop.kubeconfig');
    await writeFile(
      kubeconfig,
      kubeconfigText(
        [
          { name: 'elsewhere', server: 'https://127.0.0.1:9', caPem: plane.caPem, token: 'not-a-token' },
          { name: 'test-cluster', server: plane.url, caPem: plane.caPem, token },
        ],
        'elsewhere',
      ),
      { mode: 0o600 },
    );
  }, 120_000);

  afterAll(async () => {
    // SIGTERM: npm start stops what it started.
    for (const child of running.reverse()) await child.kill('SIGTERM');
    await plane?.stop();
  });

  async function npmStart(args: string[]) {
    const [dns, cache, config] = [await freePort({ udp: true }), await freePort({ udp: true }), await freePort()];
    const child = await spawnProcess(main, [...args, '--dns-port', String(dns), '--cache-port', String(cache), '--config-port', String(config)], {
      readyLine: /^ready$/,
      timeoutMs: 120_000,
    });
    running.push(child);
    return { child, pool: { host: '127.0.0.1', port: dns }, cache: { host: '127.0.0.1', port: cache } };
  }
  const addresses = async (server: { host: string; port: number }, name: string) =>
    (await query(server, name, 'A', { timeoutMs: 2_000 }).then((r) => r.answers ?? [])).flatMap((a) => (a.type === 'A' ? [a.data] : [])).sort();

  it.each([
    { how: '--kubeconfig FILE --context NAME', args: () => ['--kubeconfig', kubeconfig, '--context', 'test-cluster'], proxy: false },
    { how: '--kube-server URL (kubectl proxy in front of it)', args: (proxy?: string) => ['--kube-server', proxy!], proxy: true },
  ])('$how answers for the Services of the cluster, read-only', async ({ args, proxy }) => {
    let proxyUrl: string | undefined;
    if (proxy) {
      const port = await freePort();
      running.push(
        await spawnProcess(
          plane.binaries.kubectl,
          ['proxy', '--kubeconfig', kubeconfig, '--context', 'test-cluster', '--address', '127.0.0.1', '--port', String(port)],
          { readyLine: /Starting to serve/, timeoutMs: 30_000 },
        ),
      );
      proxyUrl = `http://127.0.0.1:${port}`;
    }
    const { child, pool, cache } = await npmStart(args(proxyUrl));
    expect(await child.waitForLine(/watched, read-only/)).toContain(proxyUrl ?? plane.url);
    for (const server of [pool, cache]) expect(await addresses(server, 'web.shop.svc.cluster.local')).toEqual(['10.96.10.10']);

    const admin = loadKubeConfig({ kubeconfig: plane.kubeconfig });
    const name = `laptop-${proxy ? 'proxy' : 'direct'}`;
    await admin.makeApiClient(CoreV1Api).createNamespacedService({
      namespace: 'shop',
      body: { metadata: { name }, spec: { clusterIP: proxy ? '10.96.40.2' : '10.96.40.1', ports: [{ port: 80 }] } },
    });
    await waitFor(async () => (await addresses(pool, `${name}.shop.svc.cluster.local`)).length > 0, { timeoutMs: 15_000, message: `${name} never answered` });
    expect(await addresses(cache, `${name}.shop.svc.cluster.local`)).toEqual([proxy ? '10.96.40.2' : '10.96.40.1']);

    // Nothing written: no Lease (the watcher leads without one).
    const leases = await admin.makeApiClient(CoordinationV1Api).listLeaseForAllNamespaces();
    expect(leases.items.map((l) => l.metadata?.name)).not.toContain('halo-watcher');
    expect(await child.kill('SIGTERM')).toBe(0);
  });

  it('says which contexts there are when --context names none', async () => {
    const child = await spawnProcess(main, ['--kubeconfig', kubeconfig, '--context', 'nope']);
    expect(await child.exited).toBe(1);
    expect(child.lines.join('\n')).toContain(`--context: ${kubeconfig} has no context nope (it has elsewhere, test-cluster)`);
  });
});
