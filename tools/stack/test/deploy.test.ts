// The Kustomize overlays build, and hold what an operator expects to apply.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { kubeadmCorefile } from '@halo/corefile';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let kubectl: string | null = null;
try {
  execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  kubectl = 'kubectl';
} catch {
  console.warn('deploy test skipped: kubectl is not installed (it builds the overlays with `kubectl kustomize`)');
}

type Obj = { kind: string; metadata: { name: string }; spec?: { replicas?: number; template?: { spec?: { hostNetwork?: boolean; containers?: { name: string }[] } } }; rules?: { resources?: string[] }[] };
const build = (overlay: string): Obj[] =>
  parseAllDocuments(execFileSync(kubectl!, ['kustomize', `${root}deploy/overlays/${overlay}`], { encoding: 'utf8' })).map((d) => d.toJS() as Obj);
const names = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();

describe('deploy base', () => {
  it("runs the answerers on kubeadm's Corefile, unchanged", () => {
    expect(readFileSync(`${root}deploy/base/Corefile`, 'utf8')).toBe(kubeadmCorefile);
  });
});

describe.skipIf(!kubectl)('deploy overlays', () => {
  it.each([
    ['dev', ['halo-node-cache']],
    ['production', ['halo-node-cache', 'halo-node-cache-b']],
  ])('%s has every app, the bus and the node caches', (overlay, daemonSets) => {
    const objs = build(overlay);
    expect(names(objs, 'Deployment')).toEqual(['halo-answerer', 'halo-config', 'halo-watcher']);
    expect(names(objs, 'StatefulSet')).toEqual(['halo-nats']);
    expect(names(objs, 'DaemonSet')).toEqual(daemonSets);
    const watcher = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'halo-watcher');
    expect(watcher?.spec?.replicas).toBe(2);
    for (const ds of objs.filter((o) => o.kind === 'DaemonSet')) {
      expect(ds.spec?.template?.spec?.hostNetwork).toBe(true);
      expect(ds.spec?.template?.spec?.containers?.map((c) => c.name)).toContain('guard');
    }
    // The watcher may hold its Lease.
    expect(objs.some((o) => o.kind === 'Role' && o.rules?.some((r) => r.resources?.includes('leases')))).toBe(true);
  });
});
