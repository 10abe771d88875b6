import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubernetesObject, V1Service } from '@kubernetes/client-node';
import { startKubeSim, waitFor } from '@halo/testing';
import type { KubeSim } from '@halo/testing';
import { createInformer, loadKubeConfig } from '../src/index.ts';
import type { Informer, InformerOptions, ResourceName } from '../src/index.ts';
import { describeError } from '../src/errors.ts';
import { createInformerFromList } from '../src/informer.ts';
import { connectApiServer, createLeanInformer } from '../src/lean/index.ts';

const service = (name: string, namespace = 'shop'): V1Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace, labels: { app: name } },
  spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }], selector: { app: name } },
});

// The informer reached both ways: from a KubeConfig (client-node reads it) and from connectApiServer (no
// client-node at all); each is held to the same behaviour against the same API server.
const clients: { client: string; make: (server: string, resource: ResourceName, options: InformerOptions<V1Service>) => Promise<Informer<V1Service>> }[] = [
  {
    client: 'createInformer(KubeConfig)',
    make: (server, resource, options) => Promise.resolve(createInformer<V1Service>(loadKubeConfig({ kubeServer: server }), resource, options)),
  },
  {
    client: 'createLeanInformer(connectApiServer)',
    make: async (server, resource, options) => createLeanInformer<V1Service>(await connectApiServer({ kubeServer: server }), resource, options),
  },
];

describe.each(clients)('the informer, $client, against kube-sim', ({ make }) => {
  let sim: KubeSim;
  let core: CoreV1Api;
  const informers: Informer<V1Service>[] = [];

  beforeAll(async () => {
    sim = await startKubeSim({ port: 0 });
    core = loadKubeConfig({ kubeServer: sim.url }).makeApiClient(CoreV1Api);
    for (const ns of ['shop', 'other']) await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedService({ namespace: 'shop', body: service('web') });
  });
  afterEach(async () => {
    await Promise.all(informers.splice(0).map((i) => i.stop()));
  });
  afterAll(async () => {
    await sim?.close();
  });

  const track = (informer: Informer<V1Service>) => {
    informers.push(informer);
    const events: string[] = [];
    informer.on('add', (s) => events.push(`add ${s.metadata?.namespace}/${s.metadata?.name}`));
    informer.on('update', (s) => events.push(`update ${s.metadata?.namespace}/${s.metadata?.name}`));
    informer.on('delete', (s) => events.push(`delete ${s.metadata?.namespace}/${s.metadata?.name}`));
    return events;
  };

  it('start resolves after the first list; add, update, delete follow the watch', async () => {
    const informer = await make(sim.url, 'services', { namespace: 'shop' });
    const events = track(informer);
    expect(informer.synced).toBe(false);
    await informer.start();
    expect(informer.synced).toBe(true);
    expect(informer.get('shop/web')?.spec?.ports?.[0]?.port).toBe(80);
    expect(events).toEqual(['add shop/web']);

    await core.createNamespacedService({ namespace: 'shop', body: service('db') });
    await core.createNamespacedService({ namespace: 'other', body: service('elsewhere', 'other') });
    await waitFor(() => informer.get('shop/db'));
    const db = await core.readNamespacedService({ name: 'db', namespace: 'shop' });
    db.metadata = { ...db.metadata, labels: { app: 'db', tier: 'data' } };
    await core.replaceNamespacedService({ name: 'db', namespace: 'shop', body: db });
    await waitFor(() => informer.get('shop/db')?.metadata?.labels?.tier === 'data');
    await core.deleteNamespacedService({ name: 'db', namespace: 'shop' });
    await waitFor(() => informer.get('shop/db') === undefined);

    expect(events).toEqual(['add shop/web', 'add shop/db', 'update shop/db', 'delete shop/db']);
    expect(informer.list().map((s) => s.metadata?.name)).toEqual(['web']);
  });

  it('label selectors narrow the watch', async () => {
    const informer = await make(sim.url, 'services', { labelSelector: 'app=elsewhere' });
    track(informer);
    await informer.start();
    expect(informer.list().map((s) => s.metadata?.name)).toEqual(['elsewhere']);
  });

  it('lists page by page and keeps only what the transform keeps, listed or watched', async () => {
    // What a caller that reads only names and ports would keep of a Service.
    const slim = (obj: KubernetesObject): V1Service => ({
      metadata: { name: obj.metadata?.name, namespace: obj.metadata?.namespace, resourceVersion: obj.metadata?.resourceVersion },
      spec: { ports: (obj as V1Service).spec?.ports?.map((p) => ({ name: p.name, port: p.port })) },
    });
    await core.createNamespace({ body: { metadata: { name: 'paging' } } });
    for (const name of ['a', 'b', 'c']) await core.createNamespacedService({ namespace: 'paging', body: service(name, 'paging') });
    const informer = await make(sim.url, 'services', { namespace: 'paging', transform: slim, pageSize: 1 });
    const events = track(informer);
    await informer.start();
    // Three Services in three pages of one: all of them, each reported once.
    expect(events).toEqual(['add paging/a', 'add paging/b', 'add paging/c']);
    expect(informer.get('paging/a')).toEqual({
      metadata: { name: 'a', namespace: 'paging', resourceVersion: expect.any(String) },
      spec: { ports: [{ name: 'http', port: 80 }] },
    });
    await core.createNamespacedService({ namespace: 'paging', body: service('watched', 'paging') });
    await core.deleteNamespacedService({ name: 'b', namespace: 'paging' });
    await waitFor(() => informer.get('paging/b') === undefined);
    expect(informer.get('paging/watched')).toEqual({
      metadata: { name: 'watched', namespace: 'paging', resourceVersion: expect.any(String) },
      spec: { ports: [{ name: 'http', port: 80 }] },
    });
    expect(events.slice(3)).toEqual(['add paging/watched', 'delete paging/b']);
  });

  it('after 410 Gone it relists and reports what it missed', async () => {
    const informer = await make(sim.url, 'services', { namespace: 'shop' });
    const events = track(informer);
    await informer.start();
    await core.createNamespacedService({ namespace: 'shop', body: service('cache') });
    await waitFor(() => informer.get('shop/cache'));
    // No history left and every watch closed: the re-watch from the old resourceVersion gets 410 Gone.
    sim.compact();
    sim.closeWatches();
    await core.deleteNamespacedService({ name: 'cache', namespace: 'shop' });
    await waitFor(() => informer.get('shop/cache') === undefined, { message: 'delete seen after the relist' });
    expect(events).toEqual(['add shop/web', 'add shop/cache', 'delete shop/cache']);
  });

  it("restarts after the API server was away (client-node's ListWatch stops for good on such errors)", async () => {
    const port = sim.port;
    const informer = await make(sim.url, 'services', {
      namespace: 'shop',
      backoffInitialMs: 50,
      backoffMaxMs: 200,
    });
    const events = track(informer);
    await informer.start();
    await sim.close();
    // A new, empty API server on the same port: the informer must relist and see web gone, api new.
    sim = await startKubeSim({ port });
    core = loadKubeConfig({ kubeServer: sim.url }).makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'shop' } } });
    await core.createNamespacedService({ namespace: 'shop', body: service('api') });
    await waitFor(() => informer.get('shop/api'), { timeoutMs: 15_000, message: 'informer came back' });
    expect(informer.get('shop/web')).toBeUndefined();
    expect(events).toEqual(['add shop/web', 'delete shop/web', 'add shop/api']);
  });

  it('takes up a watch the server ended from where it was, without listing again', async () => {
    const informer = await make(sim.url, 'services', { namespace: 'shop' });
    const events = track(informer);
    await informer.start();
    sim.closeWatches();
    await core.createNamespacedService({ namespace: 'shop', body: service('resumed') });
    await waitFor(() => informer.get('shop/resumed'), { message: 'the change after the watch ended' });
    await core.deleteNamespacedService({ name: 'resumed', namespace: 'shop' });
    await waitFor(() => informer.get('shop/resumed') === undefined);
    expect(events).toEqual(['add shop/api', 'add shop/resumed', 'delete shop/resumed']);
  });

  it('periodic relist finds changes a watch never delivered', async () => {
    const kc = loadKubeConfig({ kubeServer: sim.url });
    // A reflector that lists once and then hears nothing, as over a stuck watch.
    const informer = createInformerFromList<V1Service>(
      () => kc.makeApiClient(CoreV1Api).listNamespacedService({ namespace: 'shop' }),
      (listFn) => ({ on: () => undefined, start: () => listFn().then(() => undefined), stop: () => Promise.resolve() }),
      { relistIntervalMs: 50 },
      'services',
    );
    const events = track(informer);
    await informer.start();
    await core.createNamespacedService({ namespace: 'shop', body: service('relisted') });
    await core.deleteNamespacedService({ name: 'api', namespace: 'shop' });
    await waitFor(() => informer.get('shop/relisted') && !informer.get('shop/api'));
    expect(events[0]).toBe('add shop/api');
    expect(events.slice(1).sort()).toEqual(['add shop/relisted', 'delete shop/api']);
  });

  it('stop before the first list rejects start with a coded error', async () => {
    const informer = await make('http://127.0.0.1:1', 'services', {
      backoffInitialMs: 20,
    });
    const started = informer.start();
    await informer.stop();
    await expect(started).rejects.toMatchObject({ code: 'stopped' });
  });
});

describe('the lean API server', () => {
  it("rejects a refused request with the status and the API server's own words", async () => {
    const sim = await startKubeSim({ port: 0 });
    try {
      const api = await connectApiServer({ kubeServer: sim.url });
      const refused = api.get('/apis/discovery.k8s.io/v1/namespaces/shop/nonsense');
      await expect(refused).rejects.toMatchObject({ name: 'KubeError', status: 404 });
      expect(describeError(await refused.catch((e: unknown) => e))).toMatch(/^HTTP 404: \S/);
    } finally {
      await sim.close();
    }
  });

  it('backs off from an API server that ends every watch at once', async () => {
    // A stand-in that lists nothing and ends each watch as soon as it began (as a misbehaving proxy would).
    const requests = { list: 0, watch: 0 };
    const server = createServer((req, res) => {
      const watch = new URL(req.url ?? '/', 'http://x').searchParams.get('watch') === '1';
      requests[watch ? 'watch' : 'list']++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(watch ? '' : JSON.stringify({ kind: 'ServiceList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const informer = createLeanInformer(await connectApiServer({ kubeServer: `http://127.0.0.1:${port}` }), 'services', {
      backoffInitialMs: 400,
      backoffMaxMs: 400,
    });
    try {
      await informer.start();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // Three empty watches, then a pause of 400 ms before the next list: a few rounds, not thousands.
      expect(requests.list).toBeGreaterThanOrEqual(2);
      expect(requests.watch).toBeLessThanOrEqual(3 * requests.list);
    } finally {
      await informer.stop();
      server.close();
    }
  });

  it('gives up on a request whose response never begins', async () => {
    // A stand-in that takes the connection and says nothing.
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const api = await connectApiServer({ kubeServer: `http://127.0.0.1:${port}`, responseTimeoutMs: 200 });
      await expect(api.get('/api/v1/services')).rejects.toMatchObject({ code: 'timeout' });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('says which file is missing in a pod without its service account', async () => {
    await expect(connectApiServer({ serviceAccountDir: '/nonexistent' }, { KUBERNETES_SERVICE_HOST: '10.96.0.1' })).rejects.toThrow(
      /service account's CA \(\/nonexistent\/ca\.crt\)/,
    );
  });
});
