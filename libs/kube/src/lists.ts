// How a resource is listed: its path and its pages. No value of client-node here: the lean client
// (`@halo/kube/lean`) lists through this without loading it.
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { httpStatusOf } from './errors.ts';

export type ResourceName = 'services' | 'endpointslices' | 'namespaces' | 'pods' | 'configmaps' | 'secrets' | 'leases';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export type ListFn<T extends KubernetesObject> = () => Promise<KubernetesListObject<T>>;

/** Turns an object as it arrives into what the caller keeps (client-go's SetTransform); it must keep metadata's name, namespace and resourceVersion. */
export type Transform<T extends KubernetesObject> = (obj: KubernetesObject) => T;

/** One page of a list: `limit` objects from the `_continue` token on (the API's names). */
export interface PageOptions extends ListOptions {
  limit?: number;
  _continue?: string;
}

export interface ResourceGroup {
  group: string; // '' for core
  version: string;
  namespaced: boolean;
}

export const RESOURCE_GROUPS: Readonly<Record<ResourceName, ResourceGroup>> = {
  services: { group: '', version: 'v1', namespaced: true },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', namespaced: true },
  namespaces: { group: '', version: 'v1', namespaced: false },
  pods: { group: '', version: 'v1', namespaced: true },
  configmaps: { group: '', version: 'v1', namespaced: true },
  secrets: { group: '', version: 'v1', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', namespaced: true },
};

export function isResourceName(name: string): name is ResourceName {
  return Object.hasOwn(RESOURCE_GROUPS, name);
}

/** The watch path of a resource, e.g. /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices. */
export function resourcePath(resource: ResourceName, namespace?: string): string {
  const def = RESOURCE_GROUPS[resource];
  const prefix = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  return def.namespaced && namespace ? `${prefix}/namespaces/${namespace}/${resource}` : `${prefix}/${resource}`;
}

export interface ListFunctionOptions<T extends KubernetesObject> extends ListOptions {
  /** Objects per page (default 500, client-go's); 0 lists everything in one response. */
  pageSize?: number;
  transform?: Transform<T>;
}

/**
 * A list of the resource, page by page as client-go's pager does it, each page's objects transformed
 * before the next is asked for: 100 000 endpoints never sit in memory as one response, its parsed JSON
 * and a client's copy of it at once. The pages are one consistent snapshot (the continue token's);
 * when the token expires mid-way (410) the list is taken again whole. `listPage` asks for one page.
 */
export function pagedList<T extends KubernetesObject>(
  resource: ResourceName,
  listPage: (options: PageOptions) => Promise<KubernetesListObject<KubernetesObject>>,
  options: ListFunctionOptions<T>,
): ListFn<T> {
  const selectors: ListOptions = {};
  if (RESOURCE_GROUPS[resource].namespaced && options.namespace) selectors.namespace = options.namespace;
  if (options.labelSelector) selectors.labelSelector = options.labelSelector;
  if (options.fieldSelector) selectors.fieldSelector = options.fieldSelector;
  const pageSize = options.pageSize ?? 500;
  const transform = options.transform ?? ((obj: KubernetesObject) => obj as T);
  return async () => {
    const items: T[] = [];
    let first: KubernetesListObject<KubernetesObject> | undefined;
    let token: string | undefined;
    do {
      let page: KubernetesListObject<KubernetesObject>;
      try {
        page = await listPage({ ...selectors, ...(pageSize > 0 ? { limit: pageSize } : {}), ...(token ? { _continue: token } : {}) });
      } catch (error) {
        if (token === undefined || httpStatusOf(error) !== 410) throw error;
        items.length = 0;
        first = undefined;
        page = await listPage(selectors);
      }
      first ??= page;
      for (const item of page.items ?? []) items.push(transform(item));
      token = page.metadata?._continue || undefined;
    } while (token);
    return { apiVersion: first.apiVersion, kind: first.kind, metadata: { resourceVersion: first.metadata?.resourceVersion }, items };
  };
}
