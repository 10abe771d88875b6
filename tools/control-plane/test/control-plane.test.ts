// The control plane itself: a real etcd + kube-apiserver that judges tokens by RBAC, keeps its data across
// a restart, answers 410 Gone after a compaction, and leaves nothing behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { loadKubeConfig } from '@halo/kube';
import { waitFor } from '@halo/testing';
import { findControlPlaneBinaries, startControlPlane, type ControlPlane } from '../src/index.ts';

const binaries = findControlPlaneBinaries();
if (!binaries.ok) console.warn(`control-plane tests skipped: ${binaries.message}`);

const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!binaries.ok)('a real control plane', () => {
  let plane: ControlPlane;

  beforeAll(async () => {
    plane = await startControlPlane();
  }, 60_000);

  afterAll(async () => {
    await plane?.stop();
  });

  it('is kube-apiserver 1.37 with the kubernetes Service, and the admin may do anything', async () => {
    const version = JSON.parse(await plane.kubectl(['version', '--output', 'json'])) as { serverVersion: { major: string; minor: string } };
    expect(version.serverVersion).toMatchObject({ major: '1', minor: '37' });
    expect(await plane.kubectl(['get', 'service', 'kubernetes', '--namespace', 'default', '--output', 'jsonpath={.spec.clusterIP}'])).toBe('10.96.0.1');
    expect((await plane.kubectl(['auth', 'can-i', '*', '*'])).trim()).toBe('yes');
  });

  it('judges a ServiceAccount token by RBAC', async () => {
    await plane.kubectl(['create', 'serviceaccount', 'reader', '--namespace', 'default']);
    const { file } = await plane.serviceAccountKubeconfig('default', 'reader');
    const core = loadKubeConfig({ kubeconfig: file }).makeApiClient(CoreV1Api);
    await expect(core.listNamespacedService({ namespace: 'default' })).rejects.toMatchObject({ code: 403 });
    // Not the `view` ClusterRole: its rules are aggregated by the controller-manager, which does not run here.
    await plane.kubectl(['create', 'role', 'reader', '--verb', 'list', '--resource', 'services', '--namespace', 'default']);
    await plane.kubectl(['create', 'rolebinding', 'reader', '--role', 'reader', '--serviceaccount', 'default:reader', '--namespace', 'default']);
    // The authorizer learns of the binding from its own watch, a moment later.
    const services = await waitFor(() => core.listNamespacedService({ namespace: 'default' }), {
      timeoutMs: 10_000,
      message: 'the RoleBinding never took effect',
    });
    expect(services.items.map((s) => s.metadata?.name)).toEqual(['kubernetes']);
    await expect(core.deleteNamespacedService({ namespace: 'default', name: 'kubernetes' })).rejects.toMatchObject({ code: 403 });
  });

  it.each([
    { how: 'SIGTERM', signal: 'SIGTERM' as const },
    { how: 'SIGKILL', signal: 'SIGKILL' as const },
  ])('keeps its data across a restart ($how), and answers 410 Gone for a resourceVersion older than a compaction', async ({ signal }) => {
    const name = `kept-${signal.toLowerCase()}`;
    await plane.kubectl(['create', 'configmap', name, '--namespace', 'default', '--from-literal', 'k=v']);
    const kc = loadKubeConfig({ kubeconfig: plane.kubeconfig });
    const before = await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ namespace: 'default', name });
    await plane.kubectl(['patch', 'configmap', name, '--namespace', 'default', '--type', 'merge', '--patch', '{"data":{"k":"w"}}']);

    await plane.restartApiServer({ signal, whileDown: () => plane.compactEtcd() });
    const after = await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ namespace: 'default', name });
    expect(after.data).toEqual({ k: 'w' });
    expect(after.metadata?.uid).toBe(before.metadata?.uid);

    const gone = await new Promise<number | undefined>((resolve, reject) => {
      void new Watch(kc)
        .watch(
          `/api/v1/namespaces/default/configmaps`,
          { resourceVersion: before.metadata?.resourceVersion },
          (type, obj: { code?: number }) => {
            if (type === 'ERROR') resolve(obj.code);
          },
          (err: unknown) => (err ? reject(err as Error) : resolve(undefined)),
        )
        .then((req) => setTimeout(() => req.abort(), 10_000));
    });
    expect(gone).toBe(410);
  });

  it('stops both processes and removes its data folder', async () => {
    const pids = execFileSync('pgrep', ['-f', plane.dir], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(pids.length).toBe(2);
    await plane.stop();
    expect(existsSync(plane.dir)).toBe(false);
    expect(pids.filter(running)).toEqual([]);
  });
});
