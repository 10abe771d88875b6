// Fragments from ConfigMaps in kube-system: `dns-extra-configs` (every target) and MetaKube's
// `coredns-extra-configs` (answerers) and `node-local-dns-extra-configs` (node caches). Every data key
// named `Corefile` or ending in `Corefile` is a fragment, read-only through the API.
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { ConfigTarget } from '@halo/bus';

export const extraConfigMaps: Record<string, ConfigTarget[]> = {
  'dns-extra-configs': ['answerer', 'node-cache'],
  'coredns-extra-configs': ['answerer'],
  'node-local-dns-extra-configs': ['node-cache'],
};

export interface ConfigMapFragment {
  name: string;
  text: string;
  targets: ConfigTarget[];
  configMap: string;
  key: string;
}

/** `cm-<configmap>-<key>`, lowercased and cut to a DNS label, so it is a valid fragment name. */
export function fragmentName(configMap: string, key: string): string {
  const base = `cm-${configMap}-${key}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return base.length <= 63 ? base : base.slice(0, 63).replace(/-$/, '');
}

/** The fragments one ConfigMap holds; none when it is not one of ours. */
export function fragmentsOf(cm: V1ConfigMap): ConfigMapFragment[] {
  const name = cm.metadata?.name ?? '';
  const targets = extraConfigMaps[name];
  if (!targets || cm.metadata?.namespace !== 'kube-system') return [];
  return Object.entries(cm.data ?? {})
    .filter(([key]) => key === 'Corefile' || key.endsWith('Corefile'))
    .map(([key, text]) => ({ name: fragmentName(name, key), text, targets, configMap: `kube-system/${name}`, key }));
}
