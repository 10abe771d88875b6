// The informer of a KubeConfig: the lean client's, with client-node reading the configuration and its
// credentials (every kind of auth it knows), and Node's http/https carrying the lists and watches.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Informer, InformerOptions } from './informer.ts';
import { apiServerOf } from './lean/api-server.ts';
import { createLeanInformer } from './lean/index.ts';
import type { ResourceName } from './lists.ts';

/**
 * An informer that survives what client-node's ListWatch does not: it restarts with backoff after any
 * error, relists periodically and diffs against its own cache, and reports each change once
 * (deduplicated by resourceVersion). Lists and watches are the lean client's (`src/lean/`).
 */
export function createInformer<T extends KubernetesObject>(kc: KubeConfig, resource: ResourceName, options: InformerOptions<T> = {}): Informer<T> {
  return createLeanInformer<T>(apiServerOf(kc), resource, options);
}
