// How client-node lists each resource (its generated API classes), paged by `pagedList`.
import { CoordinationV1Api, CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { pagedList, type ListFn, type ListFunctionOptions, type PageOptions, type ResourceName } from './lists.ts';

type ListPage = (kc: KubeConfig, options: PageOptions) => Promise<KubernetesListObject<KubernetesObject>>;

const LIST_PAGE: Record<ResourceName, ListPage> = {
  services: (kc, { namespace, ...selectors }) => {
    const api = kc.makeApiClient(CoreV1Api);
    return namespace ? api.listNamespacedService({ namespace, ...selectors }) : api.listServiceForAllNamespaces(selectors);
  },
  endpointslices: (kc, { namespace, ...selectors }) => {
    const api = kc.makeApiClient(DiscoveryV1Api);
    return namespace ? api.listNamespacedEndpointSlice({ namespace, ...selectors }) : api.listEndpointSliceForAllNamespaces(selectors);
  },
  namespaces: (kc, selectors) => kc.makeApiClient(CoreV1Api).listNamespace(selectors),
  pods: (kc, { namespace, ...selectors }) => {
    const api = kc.makeApiClient(CoreV1Api);
    return namespace ? api.listNamespacedPod({ namespace, ...selectors }) : api.listPodForAllNamespaces(selectors);
  },
  configmaps: (kc, { namespace, ...selectors }) => {
    const api = kc.makeApiClient(CoreV1Api);
    return namespace ? api.listNamespacedConfigMap({ namespace, ...selectors }) : api.listConfigMapForAllNamespaces(selectors);
  },
  secrets: (kc, { namespace, ...selectors }) => {
    const api = kc.makeApiClient(CoreV1Api);
    return namespace ? api.listNamespacedSecret({ namespace, ...selectors }) : api.listSecretForAllNamespaces(selectors);
  },
  leases: (kc, { namespace, ...selectors }) => {
    const api = kc.makeApiClient(CoordinationV1Api);
    return namespace ? api.listNamespacedLease({ namespace, ...selectors }) : api.listLeaseForAllNamespaces(selectors);
  },
};

/** A paged list of the resource through client-node (`pagedList` says how pages are taken). */
export function listFunction<T extends KubernetesObject>(kc: KubeConfig, resource: ResourceName, options: ListFunctionOptions<T>): ListFn<T> {
  const listPage = LIST_PAGE[resource];
  return pagedList(resource, (page) => listPage(kc, page), options);
}
