// The answerer pool as the ready endpoints of a headless Service, followed through its EndpointSlices.
import type { V1EndpointSlice } from '@kubernetes/client-node';
import type { InformerOptions } from '@halo/kube';
// The lean client: client-node would be ~40 MB more of every node cache's memory for one small resource.
import { connectApiServer, createLeanInformer } from '@halo/kube/lean';
import type { HostPort } from './config.ts';

export interface AnswerersServiceOptions {
  namespace: string;
  name: string;
  port: number;
  kubeServer?: string;
  kubeconfig?: string;
  onChange(answerers: HostPort[]): void;
  /** Also told why a list or watch failed (a 403 of a missing RoleBinding, the API server away). */
  logger?: InformerOptions['logger'];
}

/** The ready addresses of a Service's slices, each with the given port, sorted, without duplicates. */
export function answerersOf(slices: readonly V1EndpointSlice[], port: number): HostPort[] {
  const hosts = new Set<string>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const a of ep.addresses ?? []) hosts.add(a);
    }
  }
  return [...hosts].sort().map((host) => ({ host, port }));
}

export async function followAnswerersService(o: AnswerersServiceOptions): Promise<{ stop(): Promise<void> }> {
  const api = await connectApiServer({ kubeServer: o.kubeServer, kubeconfig: o.kubeconfig });
  const informer = createLeanInformer<V1EndpointSlice>(api, 'endpointslices', {
    namespace: o.namespace,
    labelSelector: `kubernetes.io/service-name=${o.name}`,
    logger: o.logger,
  });
  let last = '';
  const publish = () => {
    const answerers = answerersOf(informer.list(), o.port);
    const key = JSON.stringify(answerers);
    if (key === last) return;
    last = key;
    // An empty list would make every cluster-zone query fail: keep the last known pool instead.
    if (answerers.length === 0) {
      o.logger?.warn({ service: `${o.namespace}/${o.name}` }, 'the answerer Service has no ready endpoints; keeping the last known pool');
      return;
    }
    o.onChange(answerers);
  };
  for (const ev of ['add', 'update', 'delete'] as const) informer.on(ev, publish);
  await informer.start();
  publish();
  return { stop: () => informer.stop() };
}
