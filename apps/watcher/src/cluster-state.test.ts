import { describe, expect, it } from 'vitest';
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { InformerState, lastChangeTriggerTimeAnnotation, sliceSourceTime } from './cluster-state.ts';

const slice = (name: string, service: string | undefined, ips: string[]): V1EndpointSlice => ({
  metadata: { name, namespace: 'shop', labels: service ? { 'kubernetes.io/service-name': service } : {} },
  addressType: 'IPv4',
  endpoints: ips.map((ip) => ({ addresses: [ip] })),
});

describe('InformerState', () => {
  it('joins every EndpointSlice of a Service, in a stable order', () => {
    const state = new InformerState();
    expect(state.onEndpointSlice('add', slice('web-b', 'web', ['10.0.0.2']))).toEqual(['svc.shop.web']);
    expect(state.onEndpointSlice('add', slice('web-a', 'web', ['10.0.0.1']))).toEqual(['svc.shop.web']);
    expect(state.slicesOf('shop', 'web').map((s) => s.metadata?.name)).toEqual(['web-a', 'web-b']);
  });

  it('touches both Services when a slice moves from one to another', () => {
    const state = new InformerState();
    state.onEndpointSlice('add', slice('s1', 'old', ['10.0.0.1']));
    expect(state.onEndpointSlice('update', slice('s1', 'new', ['10.0.0.1'])).sort()).toEqual(['svc.shop.new', 'svc.shop.old']);
    expect(state.slicesOf('shop', 'old')).toEqual([]);
    expect(state.slicesOf('shop', 'new')).toHaveLength(1);
  });

  it('forgets a deleted slice and ignores one without a Service', () => {
    const state = new InformerState();
    state.onEndpointSlice('add', slice('s1', 'web', ['10.0.0.1']));
    expect(state.onEndpointSlice('delete', slice('s1', 'web', ['10.0.0.1']))).toEqual(['svc.shop.web']);
    expect(state.slicesOf('shop', 'web')).toEqual([]);
    expect(state.onEndpointSlice('add', slice('orphan', undefined, ['10.0.0.9']))).toEqual([]);
  });

  it('lists the keys of every object it holds', () => {
    const state = new InformerState();
    state.onService('add', { metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '10.96.0.5' } });
    state.onNamespace('add', { metadata: { name: 'shop' } });
    state.onPod('add', { metadata: { name: 'web-1', namespace: 'shop' } });
    expect([...state.keys()].sort()).toEqual(['ns.shop', 'pod.shop.web-1', 'svc.shop.web']);
    state.onService('delete', { metadata: { name: 'web', namespace: 'shop' } });
    expect([...state.keys()].sort()).toEqual(['ns.shop', 'pod.shop.web-1']);
  });
});

describe('sliceSourceTime', () => {
  const now = Date.UTC(2026, 11, 4, 12, 0, 0);
  const annotated = (value: string | undefined): V1EndpointSlice => ({
    ...slice('web-a', 'web', ['10.0.0.1']),
    metadata: { name: 'web-a', namespace: 'shop', ...(value === undefined ? {} : { annotations: { [lastChangeTriggerTimeAnnotation]: value } }) },
  });
  it.each([
    { name: 'the annotation of an added slice', type: 'add' as const, value: '2026-12-04T11:59:18Z', expected: Date.UTC(2026, 11, 4, 11, 59, 18) },
    {
      name: 'the annotation with nanoseconds (RFC 3339, as the controller writes it)',
      type: 'update' as const,
      value: '2026-12-04T11:59:18.250000001Z',
      expected: Date.UTC(2026, 11, 4, 11, 59, 18, 250),
    },
    { name: 'no annotation: when the watcher saw it', type: 'update' as const, value: undefined, expected: now },
    { name: 'an annotation that is not a time', type: 'add' as const, value: 'soon', expected: now },
    { name: 'a deleted slice: when the watcher saw it', type: 'delete' as const, value: '2026-12-04T11:00:00Z', expected: now },
  ])('$name', ({ type, value, expected }) => {
    expect(sliceSourceTime(type, annotated(value), now)).toBe(expected);
  });
});
