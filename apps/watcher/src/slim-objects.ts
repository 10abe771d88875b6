// What the watcher keeps of each object the informers bring: the fields its record sets, its index and
// its trigger times read, no more (CoreDNS's `object.ToService`/`ToEndpoints` do the same). A cluster's
// objects carry managedFields, annotations, selectors, status and topology the zone never reads, and
// client-node's listed copies give every field its type declares a slot, set or not.
import type { KubernetesObject, V1Endpoint, V1EndpointConditions, V1EndpointSlice, V1Namespace, V1ObjectMeta, V1Pod, V1Service } from '@kubernetes/client-node';
import { serviceNameLabel, tolerateUnreadyAnnotation } from '@halo/zone';
import { lastChangeTriggerTimeAnnotation } from './cluster-state.ts';

/** Only these keys of a map (labels, annotations), or undefined when none is set. */
function pick(from: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> | undefined {
  if (!from) return undefined;
  let kept: Record<string, string> | undefined;
  for (const key of keys) {
    const value = from[key];
    if (value !== undefined) (kept ??= {})[key] = value;
  }
  return kept;
}

function meta(m: V1ObjectMeta | undefined, labels: Record<string, string> | undefined, annotations?: Record<string, string>): V1ObjectMeta {
  const slim: V1ObjectMeta = { name: m?.name, namespace: m?.namespace, resourceVersion: m?.resourceVersion };
  if (labels) slim.labels = labels;
  if (annotations) slim.annotations = annotations;
  return slim;
}

// 100 000 endpoints have three conditions between them: shared, not copied.
const conditions: Record<'ready' | 'notReady' | 'unknown', V1EndpointConditions> = Object.freeze({
  ready: Object.freeze({ ready: true }),
  notReady: Object.freeze({ ready: false }),
  unknown: Object.freeze({}),
});

export function slimService(obj: KubernetesObject): V1Service {
  const s = obj as V1Service;
  const spec = s.spec;
  return {
    metadata: meta(s.metadata, s.metadata?.labels, pick(s.metadata?.annotations, [tolerateUnreadyAnnotation])),
    spec: {
      type: spec?.type,
      clusterIP: spec?.clusterIP,
      clusterIPs: spec?.clusterIPs?.slice(),
      externalName: spec?.externalName,
      publishNotReadyAddresses: spec?.publishNotReadyAddresses,
      ports: spec?.ports?.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })),
    },
  };
}

export function slimEndpointSlice(obj: KubernetesObject): V1EndpointSlice {
  const s = obj as V1EndpointSlice;
  return {
    metadata: meta(s.metadata, pick(s.metadata?.labels, [serviceNameLabel]), pick(s.metadata?.annotations, [lastChangeTriggerTimeAnnotation])),
    addressType: s.addressType,
    ports: s.ports?.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })),
    endpoints: (s.endpoints ?? []).map((e) => {
      const ready = e.conditions?.ready;
      const slim: V1Endpoint = {
        // A copy sized to fit: client-node's lists build arrays by push, 17 slots for one address.
        addresses: e.addresses.slice(),
        conditions: ready === true ? conditions.ready : ready === false ? conditions.notReady : conditions.unknown,
      };
      if (e.hostname) slim.hostname = e.hostname;
      if (e.targetRef) slim.targetRef = { kind: e.targetRef.kind, name: e.targetRef.name };
      return slim;
    }),
  };
}

export function slimNamespace(obj: KubernetesObject): V1Namespace {
  return { metadata: meta(obj.metadata, obj.metadata?.labels) };
}

export function slimPod(obj: KubernetesObject): V1Pod {
  const p = obj as V1Pod;
  const metadata = meta(p.metadata, undefined);
  if (p.metadata?.deletionTimestamp != null) metadata.deletionTimestamp = p.metadata.deletionTimestamp;
  return {
    metadata,
    status: { phase: p.status?.phase, podIP: p.status?.podIP, podIPs: p.status?.podIPs?.map((ip) => ({ ip: ip.ip })) },
  };
}
