// Seeding: the objects a fresh cluster has, and objects read from YAML manifests.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './objects.ts';
import { isKubeObject, isRecord } from './objects.ts';
import { resourceByKind } from './resources.ts';
import type { ObjectStore } from './store.ts';

export interface SeedError {
  code: 'SeedUnreadable' | 'SeedInvalidYaml' | 'SeedUnknownKind' | 'SeedRejected';
  message: string;
}

export type SeedResult = { ok: true; count: number } | { ok: false; error: SeedError };

/** What kubeadm leaves in a new cluster that DNS cares about. */
export function defaultObjects(): KubeObject[] {
  const namespace = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return [
    namespace('default'),
    namespace('kube-system'),
    namespace('kube-public'),
    namespace('kube-node-lease'),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.0.1',
        clusterIPs: ['10.96.0.1'],
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
        sessionAffinity: 'None',
      },
    },
  ];
}

/** Every object of a YAML text: multi-document, and `kind: List` (or any *List) unpacked. */
export function objectsFromYaml(text: string): { ok: true; objects: unknown[] } | { ok: false; message: string } {
  const objects: unknown[] = [];
  // JSON is YAML too, and a big generated cluster is written as one JSON List: JSON.parse reads it
  // in a fraction of the YAML parser's time. Anything it refuses goes through the YAML parser.
  const json = parseJson(text);
  for (const doc of json !== undefined ? [{ errors: [], toJSON: () => json }] : parseAllDocuments(text)) {
    if (doc.errors.length > 0) return { ok: false, message: doc.errors[0].message };
    const value: unknown = doc.toJSON();
    if (value === null || value === undefined) continue;
    if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) objects.push(...value.items);
    else objects.push(value);
  }
  return { ok: true, objects };
}

function parseJson(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Stores objects as given (status included); one already present is replaced. Namespaces go first. */
export function seedObjects(store: ObjectStore, objects: unknown[], source = 'seed'): SeedResult {
  const known: KubeObject[] = [];
  for (const object of objects) {
    if (!isKubeObject(object)) return { ok: false, error: { code: 'SeedUnknownKind', message: `${source}: an item is not a Kubernetes object` } };
    const type = resourceByKind(String(object.apiVersion ?? ''), String(object.kind ?? ''));
    if (!type) {
      return {
        ok: false,
        error: { code: 'SeedUnknownKind', message: `${source}: kube-sim does not serve ${String(object.apiVersion)} ${String(object.kind)}` },
      };
    }
    known.push(object);
  }
  const ordered = [...known.filter((o) => o.kind === 'Namespace'), ...known.filter((o) => o.kind !== 'Namespace')];
  for (const object of ordered) {
    const type = resourceByKind(String(object.apiVersion), String(object.kind));
    if (!type) continue;
    const namespace = type.namespaced ? (object.metadata?.namespace ?? 'default') : undefined;
    const result = store.create(type, namespace, object, { seed: true });
    if (!result.ok) {
      const name = object.metadata?.name ?? '';
      return {
        ok: false,
        error: { code: 'SeedRejected', message: `${source}: ${type.kind} ${namespace ? `${namespace}/` : ''}${name}: ${result.status.message ?? ''}` },
      };
    }
  }
  return { ok: true, count: ordered.length };
}

export async function seedFile(store: ObjectStore, file: string): Promise<SeedResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { ok: false, error: { code: 'SeedUnreadable', message: `${file}: ${(error as Error).message}` } };
  }
  const parsed = objectsFromYaml(text);
  if (!parsed.ok) return { ok: false, error: { code: 'SeedInvalidYaml', message: `${file}: ${parsed.message}` } };
  return seedObjects(store, parsed.objects, file);
}
