import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, DiscoveryV1Api, makeInformer } from '@kubernetes/client-node';
import type { Informer, KubernetesObject, V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { startKubeSim } from '../src/index.ts';
import type { KubeSim } from '../src/index.ts';
import { eventually, kubeConfigFor } from './client.ts';

let sim: KubeSim;
let core: CoreV1Api;
let discovery: DiscoveryV1Api;

beforeAll(async () => {
  sim = await startKubeSim({ port: 0, historyLimit: 50, bookmarkIntervalMs: 100 });
  const kc = kubeConfigFor(sim.url);
  core = kc.makeApiClient(CoreV1Api);
  discovery = kc.makeApiClient(DiscoveryV1Api);
  await core.createNamespace({ body: { metadata: { name: 'w' } } });
});

afterAll(async () => {
  await sim.close();
});

/** Records what an informer reports, as "verb ns/name". */
function record<T extends KubernetesObject>(informer: Informer<T>): string[] {
  const seen: string[] = [];
  for (const verb of ['add', 'update', 'delete'] as const) {
    informer.on(verb, (obj: T) => seen.push(`${verb} ${obj.metadata?.namespace}/${obj.metadata?.name}`));
  }
  return seen;
}

interface Line {
  type: string;
  object: { kind?: string; code?: number; reason?: string; metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> } };
}

/** Reads a raw watch stream until it ends or `until` says enough. */
async function watchLines(path: string, until: (lines: Line[]) => boolean = () => false): Promise<{ status: number; lines: Line[] }> {
  const controller = new AbortController();
  const response = await fetch(`${sim.url}${path}`, { signal: controller.signal });
  const lines: Line[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buffer.slice(0, newline)) as Line);
        buffer = buffer.slice(newline + 1);
      }
      if (until(lines)) break;
    }
  } finally {
    controller.abort();
  }
  return { status: response.status, lines };
}

describe('informers', () => {
  it('see adds, updates and deletes of Services and EndpointSlices', async () => {
    const kc = kubeConfigFor(sim.url);
    const services = makeInformer(kc, '/api/v1/namespaces/w/services', () => core.listNamespacedService({ namespace: 'w' }));
    const slices = makeInformer(kc, '/apis/discovery.k8s.io/v1/namespaces/w/endpointslices', () => discovery.listNamespacedEndpointSlice({ namespace: 'w' }));
    const seenServices = record<V1Service>(services);
    const seenSlices = record<V1EndpointSlice>(slices);
    await services.start();
    await slices.start();
    try {
      const svc = await core.createNamespacedService({ namespace: 'w', body: { metadata: { name: 'api' }, spec: { ports: [{ port: 80 }] } } });
      await discovery.createNamespacedEndpointSlice({
        namespace: 'w',
        body: { metadata: { name: 'api-1' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.1.0.1'] }] },
      });
      await core.replaceNamespacedService({ namespace: 'w', name: 'api', body: { ...svc, metadata: { ...svc.metadata, labels: { v: '2' } } } });
      await discovery.deleteNamespacedEndpointSlice({ namespace: 'w', name: 'api-1' });
      await core.deleteNamespacedService({ namespace: 'w', name: 'api' });
      await eventually(() => {
        expect(seenServices).toEqual(['add w/api', 'update w/api', 'delete w/api']);
        expect(seenSlices).toEqual(['add w/api-1', 'delete w/api-1']);
      });
    } finally {
      await services.stop();
      await slices.stop();
    }
  });

  it('relists after 410 Gone and converges on the current state', async () => {
    const kc = kubeConfigFor(sim.url);
    await core.createNamespace({ body: { metadata: { name: 'relist' } } });
    for (const name of ['keep', 'change', 'drop']) {
      await core.createNamespacedConfigMap({ namespace: 'relist', body: { metadata: { name }, data: { v: '1' } } });
    }
    const informer = makeInformer(kc, '/api/v1/namespaces/relist/configmaps', () => core.listNamespacedConfigMap({ namespace: 'relist' }));
    const seen = record(informer);
    await informer.start();
    await eventually(() => expect(seen).toEqual(['add relist/change', 'add relist/drop', 'add relist/keep']));

    // While the informer is away, the state moves on and the history it would need is compacted away.
    await informer.stop();
    await core.patchNamespacedConfigMap({ namespace: 'relist', name: 'change', body: [{ op: 'replace', path: '/data/v', value: '2' }] });
    await core.deleteNamespacedConfigMap({ namespace: 'relist', name: 'drop' });
    await core.createNamespacedConfigMap({ namespace: 'relist', body: { metadata: { name: 'new' } } });
    sim.compact();
    seen.length = 0;
    // start() keeps the informer's old resourceVersion: its watch gets the ERROR 410 event, then it relists.
    await informer.start();
    try {
      await eventually(() => {
        expect([...seen].sort()).toEqual(['add relist/new', 'delete relist/drop', 'update relist/change']);
        expect(
          informer
            .list('relist')
            .map((o) => o.metadata?.name)
            .sort(),
        ).toEqual(['change', 'keep', 'new']);
      });
    } finally {
      await informer.stop();
    }
  });

  it('re-watches after the server ends its watch and relists when that watch gets 410', async () => {
    const kc = kubeConfigFor(sim.url);
    await core.createNamespace({ body: { metadata: { name: 'restart' } } });
    const informer = makeInformer(kc, '/api/v1/namespaces/restart/configmaps', () => core.listNamespacedConfigMap({ namespace: 'restart' }));
    const seen = record(informer);
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: 'restart', body: { metadata: { name: 'one' } } });
      await eventually(() => expect(seen).toEqual(['add restart/one']));
      // In one synchronous step: end its watch, change the state behind its back, compact the history.
      sim.closeWatches();
      const configmaps = sim.store;
      const type = (await import('../src/index.ts')).resourceByPlural('', 'v1', 'configmaps');
      if (!type) throw new Error('configmaps type missing');
      configmaps.delete(type, 'restart', 'one');
      configmaps.create(type, 'restart', { metadata: { name: 'two' } });
      sim.compact();
      await eventually(() => {
        expect(seen).toEqual(['add restart/one', 'delete restart/one', 'add restart/two']);
      });
      // And it keeps watching afterwards.
      await core.createNamespacedConfigMap({ namespace: 'restart', body: { metadata: { name: 'three' } } });
      await eventually(() => expect(seen.at(-1)).toBe('add restart/three'));
    } finally {
      await informer.stop();
    }
  });
});

describe('raw watch streams', () => {
  it('replays history newer than resourceVersion, then goes live', async () => {
    const start = (await core.listNamespacedConfigMap({ namespace: 'w' })).metadata?.resourceVersion ?? '';
    await core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'h1' } } });
    await core.replaceNamespacedConfigMap({ namespace: 'w', name: 'h1', body: { metadata: { name: 'h1' }, data: { a: 'b' } } });
    const stream = watchLines(`/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${start}`, (lines) => lines.length >= 3);
    await core.deleteNamespacedConfigMap({ namespace: 'w', name: 'h1' });
    const { lines } = await stream;
    expect(lines.map((l) => `${l.type} ${l.object.metadata?.name}`)).toEqual(['ADDED h1', 'MODIFIED h1', 'DELETED h1']);
    const versions = lines.map((l) => Number(l.object.metadata?.resourceVersion));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it('starts with synthetic ADDED events for resourceVersion 0 and absent', async () => {
    for (const rv of ['&resourceVersion=0', '']) {
      const { lines } = await watchLines(`/api/v1/namespaces/default/services?watch=1${rv}&timeoutSeconds=1`);
      expect(lines.map((l) => `${l.type} ${l.object.metadata?.name}`)).toEqual(['ADDED kubernetes']);
    }
  });

  it('sends an ERROR event with 410 Expired for a resourceVersion older than the history', async () => {
    const old = (await core.listNamespacedConfigMap({ namespace: 'w' })).metadata?.resourceVersion ?? '';
    await core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'expire' } } });
    sim.compact();
    const { status, lines } = await watchLines(`/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${old}`);
    expect(status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('expires history beyond historyLimit', async () => {
    const old = (await core.listNamespacedConfigMap({ namespace: 'w' })).metadata?.resourceVersion ?? '';
    for (let i = 0; i < 60; i++) await core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: `bulk-${i}` } } });
    const { lines } = await watchLines(`/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${old}`);
    expect(lines[0]).toMatchObject({ type: 'ERROR', object: { code: 410 } });
  });

  it('sends bookmarks when asked, and the initial-events-end bookmark', async () => {
    const rv = sim.store.resourceVersion;
    const { lines } = await watchLines(`/api/v1/namespaces/w/services?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`, (l) => l.length >= 2);
    expect(lines.map((l) => l.type)).toEqual(['BOOKMARK', 'BOOKMARK']);
    expect(lines[0].object).toMatchObject({ kind: 'Service', metadata: { resourceVersion: rv } });
    const initial = await watchLines(
      '/api/v1/namespaces/default/services?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true',
      (l) => l.length >= 2,
    );
    expect(initial.lines[0].type).toBe('ADDED');
    expect(initial.lines[1]).toMatchObject({ type: 'BOOKMARK', object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } } });
  });

  it('turns changes across a label selector into ADDED and DELETED', async () => {
    const rv = sim.store.resourceVersion;
    const stream = watchLines(`/api/v1/namespaces/w/configmaps?watch=true&labelSelector=role%3Dzone&resourceVersion=${rv}`, (l) => l.length >= 2);
    await core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'sel' } } });
    await core.replaceNamespacedConfigMap({ namespace: 'w', name: 'sel', body: { metadata: { name: 'sel', labels: { role: 'zone' } } } });
    await core.replaceNamespacedConfigMap({ namespace: 'w', name: 'sel', body: { metadata: { name: 'sel', labels: { role: 'other' } } } });
    const { lines } = await stream;
    expect(lines.map((l) => `${l.type} ${l.object.metadata?.name}`)).toEqual(['ADDED sel', 'DELETED sel']);
  });
});
