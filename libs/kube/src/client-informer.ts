// The informer over client-node's ListWatch (what its makeInformer builds).
import { ListWatch, Watch } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { createInformerFromList, type Informer, type InformerOptions } from './informer.ts';
import { resourcePath, type ResourceName, type Transform } from './lists.ts';
import { listFunction } from './resources.ts';

const objectEvents = new Set(['ADDED', 'MODIFIED', 'DELETED']);

/**
 * A Watch that asks for bookmarks, which ListWatch never does: a quiet resource then still gets a fresh
 * resourceVersion, and a re-watch after the inactivity timeout resumes instead of running into 410 Gone.
 * With a transform, each event's object is transformed before ListWatch caches it.
 */
class BookmarkWatch extends Watch {
  readonly #transform: Transform<KubernetesObject> | undefined;
  constructor(kc: KubeConfig, transform?: Transform<KubernetesObject>) {
    super(kc);
    this.#transform = transform;
  }
  override watch(...[path, queryParams, callback, done]: Parameters<Watch['watch']>): ReturnType<Watch['watch']> {
    const transform = this.#transform;
    const events: typeof callback = transform
      ? (phase, obj, watchObj) => callback(phase, objectEvents.has(phase) ? transform(obj as KubernetesObject) : obj, watchObj)
      : callback;
    return super.watch(path, { ...queryParams, allowWatchBookmarks: true }, events, done);
  }
}

/**
 * An informer over client-node's ListWatch that survives what ListWatch does not: it restarts with backoff after
 * any error (ListWatch stops for good on anything but 410), relists periodically and diffs against its own cache,
 * and reports each change once (deduplicated by resourceVersion).
 */
export function createInformer<T extends KubernetesObject>(kc: KubeConfig, resource: ResourceName, options: InformerOptions<T> = {}): Informer<T> {
  const log = options.logger?.child({ informer: resource, namespace: options.namespace ?? '*' });
  const list = listFunction<T>(kc, resource, options);
  return createInformerFromList(
    list,
    (listFn) =>
      new ListWatch<T>(
        resourcePath(resource, options.namespace),
        new BookmarkWatch(kc, options.transform),
        listFn,
        false,
        options.labelSelector,
        options.fieldSelector,
      ),
    { ...options, logger: log },
    resource,
  );
}
