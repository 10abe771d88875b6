// The objects the informers hold, indexed the way the zone needs them: EndpointSlices by their Service.
import type { KubernetesObject, V1EndpointSlice, V1Namespace, V1Pod, V1Service } from '@kubernetes/client-node';
import { zoneKey } from '@halo/bus';
import { serviceNameLabel } from '@halo/zone';
import type { ClusterState } from './zone-sync.ts';

export type EventType = 'add' | 'update' | 'delete';

/** Set by the EndpointSlice controller: when the Pod or Service change behind the slice's last update happened. */
export const lastChangeTriggerTimeAnnotation = 'endpoints.kubernetes.io/last-change-trigger-time';

/**
 * When the change behind an EndpointSlice event happened at its source (epoch ms): an added or updated
 * slice's `last-change-trigger-time` annotation (RFC 3339), else `now`, when the watcher saw it (a deleted
 * slice's annotation tells when it last changed, not when it went). Other objects' events: `now`.
 */
export function sliceSourceTime(type: EventType, slice: V1EndpointSlice, now: number): number {
  if (type === 'delete') return now;
  const annotation = slice.metadata?.annotations?.[lastChangeTriggerTimeAnnotation];
  const parsed = annotation === undefined ? Number.NaN : Date.parse(annotation);
  return Number.isNaN(parsed) ? now : parsed;
}
const id = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export class InformerState implements ClusterState {
  readonly #services = new Map<string, V1Service>();
  readonly #slices = new Map<string, V1EndpointSlice>();
  readonly #slicesByService = new Map<string, Set<string>>();
  readonly #namespaces = new Map<string, V1Namespace>();
  readonly #pods = new Map<string, V1Pod>();

  service(namespace: string, name: string): V1Service | undefined {
    return this.#services.get(`${namespace}/${name}`);
  }

  slicesOf(namespace: string, service: string): V1EndpointSlice[] {
    const ids = this.#slicesByService.get(`${namespace}/${service}`);
    if (!ids) return [];
    // Stable order, so that the same slices give the same record set.
    return [...ids]
      .sort()
      .map((sliceId) => this.#slices.get(sliceId)!)
      .filter(Boolean);
  }

  namespace(name: string): V1Namespace | undefined {
    return this.#namespaces.get(name);
  }

  pod(namespace: string, name: string): V1Pod | undefined {
    return this.#pods.get(`${namespace}/${name}`);
  }

  *keys(): Iterable<string> {
    for (const s of this.#services.values()) yield zoneKey({ kind: 'Service', namespace: s.metadata?.namespace ?? '', name: s.metadata?.name ?? '' });
    for (const n of this.#namespaces.values()) yield zoneKey({ kind: 'Namespace', name: n.metadata?.name ?? '' });
    for (const p of this.#pods.values()) yield zoneKey({ kind: 'Pod', namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '' });
  }

  // Each on* applies one informer event and returns the zone keys it may have changed.

  onService(type: EventType, s: V1Service): string[] {
    if (!s.metadata?.name || !s.metadata.namespace) return [];
    if (type === 'delete') this.#services.delete(id(s));
    else this.#services.set(id(s), s);
    return [zoneKey({ kind: 'Service', namespace: s.metadata.namespace, name: s.metadata.name })];
  }

  onEndpointSlice(type: EventType, slice: V1EndpointSlice): string[] {
    if (!slice.metadata?.name || !slice.metadata.namespace) return [];
    const sliceId = id(slice);
    const touched: string[] = [];
    // The slice may have moved from one Service to another: both change.
    const before = this.#slices.get(sliceId);
    const owner = (o: V1EndpointSlice | undefined) => o?.metadata?.labels?.[serviceNameLabel];
    const previousService = owner(before);
    if (previousService) {
      this.#slicesByService.get(`${slice.metadata.namespace}/${previousService}`)?.delete(sliceId);
      touched.push(zoneKey({ kind: 'Service', namespace: slice.metadata.namespace, name: previousService }));
    }
    if (type === 'delete') {
      this.#slices.delete(sliceId);
    } else {
      this.#slices.set(sliceId, slice);
      const service = owner(slice);
      if (service) {
        const key = `${slice.metadata.namespace}/${service}`;
        let ids = this.#slicesByService.get(key);
        if (!ids) this.#slicesByService.set(key, (ids = new Set()));
        ids.add(sliceId);
        touched.push(zoneKey({ kind: 'Service', namespace: slice.metadata.namespace, name: service }));
      }
    }
    return [...new Set(touched)];
  }

  onNamespace(type: EventType, n: V1Namespace): string[] {
    if (!n.metadata?.name) return [];
    if (type === 'delete') this.#namespaces.delete(n.metadata.name);
    else this.#namespaces.set(n.metadata.name, n);
    return [zoneKey({ kind: 'Namespace', name: n.metadata.name })];
  }

  onPod(type: EventType, p: V1Pod): string[] {
    if (!p.metadata?.name || !p.metadata.namespace) return [];
    if (type === 'delete') this.#pods.delete(id(p));
    else this.#pods.set(id(p), p);
    return [zoneKey({ kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name })];
  }
}
