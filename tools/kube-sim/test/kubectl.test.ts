import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim } from '../src/index.ts';
import type { KubeSim } from '../src/index.ts';

const run = promisify(execFile);
const kubectlPath = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
if (!kubectlPath) console.warn('kube-sim: kubectl not found in /usr/bin or /usr/local/bin; skipping the kubectl tests');

let sim: KubeSim;
let dir: string;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(kubectlPath ?? 'kubectl', ['--server', sim.url, ...args], {
    env: { ...process.env, KUBECONFIG: join(dir, 'empty-kubeconfig') },
    timeout: 30_000,
  });
  return stdout;
}

describe.skipIf(!kubectlPath)('kubectl against kube-sim', () => {
  beforeAll(async () => {
    sim = await startKubeSim({ port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'kube-sim-kubectl-'));
    await writeFile(join(dir, 'empty-kubeconfig'), '');
  });

  afterAll(async () => {
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gets the default objects', async () => {
    expect(await kubectl('get', 'namespaces', '-o', 'name')).toContain('namespace/kube-system');
    expect(await kubectl('get', 'svc', '-n', 'default', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}')).toBe('10.96.0.1');
    expect(await kubectl('get', 'svc', '-A')).toMatch(/default\s+kubernetes/);
  });

  it('creates, replaces and deletes from files', async () => {
    const manifest = (port: number): string => `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: cli
spec:
  selector: { app: web }
  ports:
  - name: http
    port: ${port}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: cli
  labels: { kubernetes.io/service-name: web }
addressType: IPv4
endpoints:
- addresses: ["10.2.0.1"]
ports:
- name: http
  port: ${port}
`;
    // Not `kubectl create namespace`: its typed client sends protobuf, which kube-sim answers with 415.
    const nsFile = join(dir, 'ns.yaml');
    await writeFile(nsFile, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cli\n');
    expect(await kubectl('create', '-f', nsFile)).toContain('namespace/cli created');
    const file = join(dir, 'web.yaml');
    await writeFile(file, manifest(80));
    const created = await kubectl('create', '-f', file);
    expect(created).toContain('service/web created');
    expect(created).toContain('endpointslice.discovery.k8s.io/web-1 created');
    expect(await kubectl('get', 'svc', 'web', '-n', 'cli', '-o', 'jsonpath={.spec.ports[0].port}')).toBe('80');

    await writeFile(file, manifest(8080));
    expect(await kubectl('replace', '-f', file)).toContain('service/web replaced');
    expect(await kubectl('get', 'svc', 'web', '-n', 'cli', '-o', 'jsonpath={.spec.ports[0].port}')).toBe('8080');
    expect(await kubectl('get', 'endpointslices', '-n', 'cli', '-l', 'kubernetes.io/service-name=web', '-o', 'name')).toBe(
      'endpointslice.discovery.k8s.io/web-1\n',
    );

    const deleted = await kubectl('delete', '-f', file);
    expect(deleted).toContain('service "web" deleted');
    expect(deleted).toContain('endpointslice.discovery.k8s.io "web-1" deleted');
    await expect(kubectl('get', 'svc', 'web', '-n', 'cli')).rejects.toThrow(/NotFound|not found/);
    expect(await kubectl('delete', '-f', nsFile)).toContain('namespace "cli" deleted');
  });

  it('shows the server error for an invalid object', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  ports:\n  - port: 0\n');
    await expect(kubectl('create', '-f', file)).rejects.toThrow(/spec\.ports\[0\]\.port: Invalid value: 0/);
  });
});
