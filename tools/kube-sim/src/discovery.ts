// Discovery documents: what kubectl and clients read to learn which resources exist.
import type { ResourceType } from './resources.ts';
import { apiVersionOf, resourceTypes } from './resources.ts';

const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groups(): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const type of resourceTypes) {
    if (type.group === '') continue;
    const versions = map.get(type.group) ?? [];
    if (!versions.includes(type.version)) versions.push(type.version);
    map.set(type.group, versions);
  }
  return map;
}

function apiGroup(name: string, versions: string[]): unknown {
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function apiGroupList(): unknown {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups()].map(([name, versions]) => apiGroup(name, versions)) };
}

export function apiGroupDocument(group: string): unknown | undefined {
  const versions = groups().get(group);
  if (!versions) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...(apiGroup(group, versions) as object) };
}

export function apiResourceList(group: string, version: string): unknown | undefined {
  const types = resourceTypes.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources = types.flatMap((t: ResourceType) => [
    {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.kind === 'Namespace' ? verbs.filter((v) => v !== 'deletecollection') : verbs,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      storageVersionHash: '',
    },
    ...t.subresources.map((sub) => ({
      name: `${t.plural}/${sub}`,
      singularName: '',
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: ['get', 'patch', 'update'],
    })),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(types[0]), resources };
}

export const versionInfo = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-kube-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** The OpenAPI v3 root: one document per group-version. kubectl reads it to learn that the server validates fields itself. */
export function openApiV3Root(): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const type of resourceTypes) {
    const gv = type.group ? `apis/${type.group}/${type.version}` : `api/${type.version}`;
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=kube-sim` };
  }
  return { paths };
}

/**
 * A minimal OpenAPI v3 document for a group-version: for each resource, the PATCH operation with its
 * x-kubernetes-group-version-kind and the fieldValidation parameter, which is what kubectl's query
 * parameter check looks for. Schemas are not described.
 */
export function openApiV3Document(group: string, version: string): unknown | undefined {
  const types = resourceTypes.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: Record<string, unknown> = {};
  for (const type of types) {
    const path = type.namespaced ? `${prefix}/namespaces/{namespace}/${type.plural}/{name}` : `${prefix}/${type.plural}/{name}`;
    const gvk = { group: type.group, version: type.version, kind: type.kind };
    const parameters = [
      { name: 'dryRun', in: 'query', schema: { type: 'string' } },
      { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
      { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
    ];
    const operation = (verb: string): unknown => ({
      operationId: `${verb}${type.namespaced ? 'Namespaced' : ''}${type.kind}`,
      parameters,
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': verb,
      'x-kubernetes-group-version-kind': gvk,
    });
    paths[path] = { get: operation('get'), put: operation('put'), patch: operation('patch'), delete: operation('delete') };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes (kube-sim)', version: 'v1.32.0' }, paths, components: { schemas: {} } };
}
