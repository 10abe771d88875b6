import { CoordinationV1Api, CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';

export type ResourceName = 'services' | 'endpointslices' | 'namespaces' | 'pods' | 'configmaps' | 'secrets' | 'leases';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export type ListFn<T extends KubernetesObject> = () => Promise<KubernetesListObject<T>>;

interface ResourceDef {
  group: string; // '' for core
  version: string;
  namespaced: boolean;
  list(kc: KubeConfig, options: ListOptions): Promise<KubernetesListObject<KubernetesObject>>;
}

const RESOURCES: Record<ResourceName, ResourceDef> = {
  services: {
    group: '',
    version: 'v1',
    namespaced: true,
    list: (kc, { namespace, ...selectors }) => {
      const api = kc.makeApiClient(CoreV1Api);
      return namespace ? api.listNamespacedService({ namespace, ...selectors }) : api.listServiceForAllNamespaces(selectors);
    },
  },
  endpointslices: {
    group: 'discovery.k8s.io',
    version: 'v1',
    namespaced: true,
    list: (kc, { namespace, ...selectors }) => {
      const api = kc.makeApiClient(DiscoveryV1Api);
      return namespace ? api.listNamespacedEndpointSlice({ namespace, ...selectors }) : api.listEndpointSliceForAllNamespaces(selectors);
    },
  },
  namespaces: {
    group: '',
    version: 'v1',
    namespaced: false,
    list: (kc, selectors) => kc.makeApiClient(CoreV1Api).listNamespace(selectors),
  },
  pods: {
    group: '',
    version: 'v1',
    namespaced: true,
    list: (kc, { namespace, ...selectors }) => {
      const api = kc.makeApiClient(CoreV1Api);
      return namespace ? api.listNamespacedPod({ namespace, ...selectors }) : api.listPodForAllNamespaces(selectors);
    },
  },
  configmaps: {
    group: '',
    version: 'v1',
    namespaced: true,
    list: (kc, { namespace, ...selectors }) => {
      const api = kc.makeApiClient(CoreV1Api);
      return namespace ? api.listNamespacedConfigMap({ namespace, ...selectors }) : api.listConfigMapForAllNamespaces(selectors);
    },
  },
  secrets: {
    group: '',
    version: 'v1',
    namespaced: true,
    list: (kc, { namespace, ...selectors }) => {
      const api = kc.makeApiClient(CoreV1Api);
      return namespace ? api.listNamespacedSecret({ namespace, ...selectors }) : api.listSecretForAllNamespaces(selectors);
    },
  },
  leases: {
    group: 'coordination.k8s.io',
    version: 'v1',
    namespaced: true,
    list: (kc, { namespace, ...selectors }) => {
      const api = kc.makeApiClient(CoordinationV1Api);
      return namespace ? api.listNamespacedLease({ namespace, ...selectors }) : api.listLeaseForAllNamespaces(selectors);
    },
  },
};

export function isResourceName(name: string): name is ResourceName {
  return Object.hasOwn(RESOURCES, name);
}

/** The watch path of a resource, e.g. /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices. */
export function resourcePath(resource: ResourceName, namespace?: string): string {
  const def = RESOURCES[resource];
  const prefix = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  return def.namespaced && namespace ? `${prefix}/namespaces/${namespace}/${resource}` : `${prefix}/${resource}`;
}

export function listFunction<T extends KubernetesObject>(kc: KubeConfig, resource: ResourceName, options: ListOptions): ListFn<T> {
  const def = RESOURCES[resource];
  const selectors: ListOptions = {};
  if (def.namespaced && options.namespace) selectors.namespace = options.namespace;
  if (options.labelSelector) selectors.labelSelector = options.labelSelector;
  if (options.fieldSelector) selectors.fieldSelector = options.fieldSelector;
  return () => def.list(kc, selectors) as Promise<KubernetesListObject<T>>;
}
