// The HTTP face of the store: Kubernetes API paths, verbs, query parameters and watch streams on node:http.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { ResourceType } from './resources.ts';
import { resourceByPlural } from './resources.ts';
import type { Result, Status } from './status.ts';
import { badRequest, failure, success } from './status.ts';
import type { DeleteOptions, ObjectStore, Selection, WatchEvent } from './store.ts';
import { isRecord } from './objects.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { apiGroupDocument, apiGroupList, apiResourceList, apiVersions, openApiV3Document, openApiV3Root, versionInfo } from './discovery.ts';

export interface ApiServerOptions {
  store: ObjectStore;
  port?: number;
  host?: string;
  bookmarkIntervalMs?: number;
}

export interface ApiServer {
  url: string;
  port: number;
  /** Ends every open watch stream cleanly, as an API server restart would; clients re-watch from their resourceVersion. */
  closeWatches(): void;
  close(): Promise<void>;
}

interface Target {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  watch: boolean;
}

type Route = { kind: 'document'; body: unknown } | { kind: 'resource'; target: Target } | { kind: 'missing' };

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendStatus(res: ServerResponse, status: Status): void {
  send(res, status.code, status);
}

function notFoundPath(): Status {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** Maps a path to a discovery document or a resource target. */
function route(path: string, serverAddress: string): Route {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return { kind: 'document', body: { paths: ['/api', '/api/v1', '/apis', '/version', '/healthz'] } };
  if (parts[0] === 'version' && parts.length === 1) return { kind: 'document', body: versionInfo };
  if (parts[0] === 'openapi' && parts[1] === 'v3') {
    if (parts.length === 2) return { kind: 'document', body: openApiV3Root() };
    const doc = parts[2] === 'api' ? openApiV3Document('', parts[3] ?? '') : openApiV3Document(parts[3] ?? '', parts[4] ?? '');
    return doc ? { kind: 'document', body: doc } : { kind: 'missing' };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'document', body: apiVersions(serverAddress) };
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'document', body: apiGroupList() };
    if (parts.length === 2) {
      const doc = apiGroupDocument(parts[1]);
      return doc ? { kind: 'document', body: doc } : { kind: 'missing' };
    }
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else return { kind: 'missing' };
  if (rest.length === 0) {
    const doc = apiResourceList(group, version);
    return doc ? { kind: 'document', body: doc } : { kind: 'missing' };
  }
  let watch = false;
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && resourceByPlural(group, version, rest[2])?.namespaced) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = resourceByPlural(group, version, rest[0]);
  if (!type || rest.length > 3) return { kind: 'missing' };
  const [, name, subresource] = rest;
  if (subresource !== undefined && !type.subresources.includes(subresource)) return { kind: 'missing' };
  if (!type.namespaced && namespace !== undefined) return { kind: 'missing' };
  return { kind: 'resource', target: { type, namespace, name, subresource, watch } };
}

async function readBody(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; status: Status }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, value: undefined };
  const contentType = req.headers['content-type'] ?? '';
  if (contentType.includes('protobuf') || contentType.includes('cbor')) {
    // 415 makes client-go (kubectl) fall back to JSON.
    return {
      ok: false,
      status: failure(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
      ),
    };
  }
  try {
    return { ok: true, value: contentType.includes('yaml') ? parseYaml(text) : JSON.parse(text) };
  } catch (error) {
    return { ok: false, status: badRequest(`the request body could not be decoded: ${(error as Error).message}`) };
  }
}

function selection(params: URLSearchParams, target: Target): Result<Selection> {
  const labels = parseLabelSelector(params.get('labelSelector') ?? '');
  if (!labels.ok) return { ok: false, status: badRequest(labels.message) };
  const fields = parseFieldSelector(params.get('fieldSelector') ?? '', ['metadata.name', 'metadata.namespace', ...target.type.fieldPaths]);
  if (!fields.ok) return { ok: false, status: badRequest(fields.message) };
  return { ok: true, value: { namespace: target.namespace, labels: labels.value, fields: fields.value } };
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const store = options.store;
  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? 1000;
  const watches = new Set<() => void>();
  let serverAddress = '';

  function serveWatch(req: IncomingMessage, res: ServerResponse, target: Target, params: URLSearchParams, sel: Selection): void {
    const rv = params.get('resourceVersion') ?? '';
    if (!/^\d*$/.test(rv)) return sendStatus(res, badRequest(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    const write = (event: WatchEvent): void => {
      if (!res.writableEnded) res.write(`${JSON.stringify(event)}\n`);
    };
    const started = store.watch(
      target.type,
      { ...sel, resourceVersion: params.get('resourceVersion') ?? undefined, sendInitialEvents: isTrue(params.get('sendInitialEvents')) },
      write,
    );
    if (!started.ok) {
      // As the real API server: HTTP 200, then one ERROR event carrying the Status (410 Expired), then the end.
      write({ type: 'ERROR', object: started.status });
      res.end();
      return;
    }
    const timers: NodeJS.Timeout[] = [];
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      started.value();
      for (const t of timers) clearTimeout(t);
      watches.delete(stop);
      if (!res.writableEnded) res.end();
    };
    watches.add(stop);
    if (isTrue(params.get('allowWatchBookmarks'))) {
      timers.push(setInterval(() => write(store.bookmark(target.type)), bookmarkIntervalMs));
    }
    const timeout = Number(params.get('timeoutSeconds') ?? '');
    if (Number.isFinite(timeout) && timeout > 0) timers.push(setTimeout(stop, timeout * 1000));
    req.on('close', stop);
    res.on('close', stop);
  }

  async function serveResource(req: IncomingMessage, res: ServerResponse, target: Target, params: URLSearchParams): Promise<void> {
    const { type, namespace, name, subresource } = target;
    const method = req.method ?? 'GET';
    const dryRun = params.getAll('dryRun').includes('All');
    const reply = (result: Result<unknown>, code = 200): void => {
      if (result.ok) send(res, code, result.value);
      else sendStatus(res, result.status);
    };
    if (type.namespaced && name === undefined && namespace === undefined && method !== 'GET') {
      sendStatus(res, failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`));
      return;
    }
    if (name === undefined) {
      if (method === 'GET') {
        const sel = selection(params, target);
        if (!sel.ok) return sendStatus(res, sel.status);
        if (target.watch || isTrue(params.get('watch'))) return serveWatch(req, res, target, params, sel.value);
        const limit = Number(params.get('limit') ?? '0');
        reply(store.list(type, { ...sel.value, limit: Number.isFinite(limit) ? limit : 0, continueToken: params.get('continue') ?? undefined }));
        return;
      }
      if (method === 'POST') {
        const body = await readBody(req);
        if (!body.ok) return sendStatus(res, body.status);
        reply(store.create(type, namespace, body.value, { dryRun }), 201);
        return;
      }
      if (method === 'DELETE') {
        const sel = selection(params, target);
        if (!sel.ok) return sendStatus(res, sel.status);
        const listed = store.list(type, sel.value);
        if (!listed.ok) return sendStatus(res, listed.status);
        for (const item of listed.value.items) store.delete(type, item.metadata.namespace, item.metadata.name ?? '', { dryRun });
        reply(listed);
        return;
      }
      sendStatus(res, failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
      return;
    }
    const sub = subresource === 'status' ? 'status' : undefined;
    switch (method) {
      case 'GET':
        if (target.watch) {
          // The legacy /watch/.../{name} form: a watch on one object.
          const sel = selection(params, target);
          if (!sel.ok) return sendStatus(res, sel.status);
          const fields = [...(sel.value.fields ?? []), { field: 'metadata.name', op: 'eq' as const, value: name }];
          return serveWatch(req, res, target, params, { ...sel.value, fields });
        }
        reply(store.get(type, namespace, name));
        return;
      case 'PUT': {
        const body = await readBody(req);
        if (!body.ok) return sendStatus(res, body.status);
        // A PUT of a missing Lease creates it (201), whatever resourceVersion it names, as the real server does.
        if (type.createOnUpdate && !sub && !store.get(type, namespace, name).ok && isRecord(body.value)) {
          const metadata = isRecord(body.value.metadata) ? body.value.metadata : {};
          reply(store.create(type, namespace, { ...body.value, metadata: { ...metadata, name } }, { dryRun }), 201);
        } else reply(store.replace(type, namespace, name, body.value, { subresource: sub, dryRun }));
        return;
      }
      case 'PATCH': {
        const body = await readBody(req);
        if (!body.ok) return sendStatus(res, body.status);
        const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
        reply(store.patch(type, namespace, name, contentType, body.value, { subresource: sub, dryRun }));
        return;
      }
      case 'DELETE': {
        if (sub) return sendStatus(res, failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
        const body = await readBody(req);
        if (!body.ok) return sendStatus(res, body.status);
        const deleteOptions: DeleteOptions = { dryRun };
        if (isRecord(body.value) && isRecord(body.value.preconditions)) {
          const pre = body.value.preconditions;
          deleteOptions.preconditions = {
            uid: typeof pre.uid === 'string' ? pre.uid : undefined,
            resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined,
          };
        }
        const deleted = store.delete(type, namespace, name, deleteOptions);
        if (!deleted.ok) return sendStatus(res, deleted.status);
        if (type.deleteReturnsObject) send(res, 200, deleted.value);
        else send(res, 200, success(type.group, type.plural, name, deleted.value.metadata.uid ?? ''));
        return;
      }
      default:
        sendStatus(res, failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kube-sim');
    const path = url.pathname;
    if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    const found = route(path, serverAddress);
    if (found.kind === 'missing') return sendStatus(res, notFoundPath());
    if (found.kind === 'document') {
      if (req.method !== 'GET') return sendStatus(res, failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
      return send(res, 200, found.body);
    }
    await serveResource(req, res, found.target, url.searchParams);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendStatus(res, failure(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  serverAddress = `${host}:${address.port}`;
  const closeWatches = (): void => {
    for (const stop of [...watches]) stop();
  };
  return {
    url: `http://${serverAddress}`,
    port: address.port,
    closeWatches,
    close: async () => {
      closeWatches();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
