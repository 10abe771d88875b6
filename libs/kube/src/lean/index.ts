// The lean client: informers over Node's own http/https, without client-node (for a process that
// follows one small resource and must stay light, e.g. the node cache following its answerer pool).
import type { KubernetesObject } from '@kubernetes/client-node';
import { createInformerFromList, type Informer, type InformerOptions } from '../informer.ts';
import { pagedList, resourcePath, type ResourceName } from '../lists.ts';
import type { ApiServer } from './api-server.ts';
import { leanReflector, listPage } from './reflector.ts';

export { connectApiServer, SERVICE_ACCOUNT_DIR } from './api-server.ts';
export type { ApiServer, ApiServerOptions } from './api-server.ts';
export { parseWatchEvent, queryOf } from './reflector.ts';
export type { WatchEvent } from './reflector.ts';

/** `createInformer` of `@halo/kube` over the lean API server: the same engine, the same options. */
export function createLeanInformer<T extends KubernetesObject>(api: ApiServer, resource: ResourceName, options: InformerOptions<T> = {}): Informer<T> {
  const path = resourcePath(resource, options.namespace);
  const list = pagedList(resource, listPage(api, path), options);
  const log = options.logger?.child({ informer: resource, namespace: options.namespace ?? '*' });
  return createInformerFromList(
    list,
    (listFn) => leanReflector(api, path, listFn, { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, transform: options.transform }),
    { ...options, logger: log },
    resource,
  );
}
