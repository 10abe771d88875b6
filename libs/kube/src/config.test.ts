import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeConfig } from './config.ts';
import { resourcePath } from './lists.ts';

describe('loadKubeConfig', () => {
  it('a --kube-server URL wins, plain http allowed', () => {
    const kc = loadKubeConfig({ kubeServer: 'http://127.0.0.1:6443', kubeconfig: '/nonexistent' }, {});
    expect(kc.getCurrentCluster()?.server).toBe('http://127.0.0.1:6443');
  });

  it('reads a kubeconfig file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halo-kube-'));
    const file = join(dir, 'config');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
clusters: [{ name: sim, cluster: { server: "http://127.0.0.1:7000" } }]
users: [{ name: sim, user: {} }]
contexts: [{ name: sim, context: { cluster: sim, user: sim } }]
current-context: sim
`,
    );
    expect(loadKubeConfig({ kubeconfig: file }, {}).getCurrentCluster()?.server).toBe('http://127.0.0.1:7000');
  });

  it('a missing file is a coded error', () => {
    expect(() => loadKubeConfig({ kubeconfig: '/nonexistent/kubeconfig' }, {})).toThrow(expect.objectContaining({ code: 'kubeconfig-invalid' }));
  });
});

describe('resourcePath', () => {
  it.each([
    { resource: 'services', namespace: undefined, path: '/api/v1/services' },
    { resource: 'services', namespace: 'shop', path: '/api/v1/namespaces/shop/services' },
    { resource: 'endpointslices', namespace: 'shop', path: '/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices' },
    { resource: 'namespaces', namespace: 'shop', path: '/api/v1/namespaces' },
  ] as const)('$resource in $namespace → $path', ({ resource, namespace, path }) => {
    expect(resourcePath(resource, namespace)).toBe(path);
  });
});
