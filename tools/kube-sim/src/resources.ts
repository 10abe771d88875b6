// The resource types the simulator serves, as discovery describes them.

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** Subresources served (`status` only): writes there change status alone. */
  subresources: string[];
  /** The real API answers DELETE of these with the object, of the others with a Status. */
  deleteReturnsObject: boolean;
  /** Field selector paths beyond metadata.name and metadata.namespace. */
  fieldPaths: string[];
  /** A PUT of a missing object creates it (the real API's AllowCreateOnUpdate, true for Leases). */
  createOnUpdate?: boolean;
}

export const resourceTypes: readonly ResourceType[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    singular: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['status'],
    deleteReturnsObject: false,
    fieldPaths: ['status.phase'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    singular: 'service',
    namespaced: true,
    shortNames: ['svc'],
    subresources: ['status'],
    deleteReturnsObject: true,
    fieldPaths: ['spec.clusterIP', 'spec.type'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    singular: 'pod',
    namespaced: true,
    shortNames: ['po'],
    subresources: ['status'],
    deleteReturnsObject: true,
    fieldPaths: ['spec.nodeName', 'status.phase', 'status.podIP'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    singular: 'configmap',
    namespaced: true,
    shortNames: ['cm'],
    subresources: [],
    deleteReturnsObject: false,
    fieldPaths: [],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    singular: 'secret',
    namespaced: true,
    shortNames: [],
    subresources: [],
    deleteReturnsObject: false,
    fieldPaths: ['type'],
  },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    singular: 'endpointslice',
    namespaced: true,
    shortNames: [],
    subresources: [],
    deleteReturnsObject: false,
    fieldPaths: ['addressType'],
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    singular: 'lease',
    namespaced: true,
    shortNames: [],
    subresources: [],
    deleteReturnsObject: false,
    fieldPaths: [],
    createOnUpdate: true,
  },
];

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export function resourceByPlural(group: string, version: string, plural: string): ResourceType | undefined {
  return resourceTypes.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/** The resource type an object's apiVersion and kind name (as in a YAML manifest). */
export function resourceByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return resourceTypes.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
}
