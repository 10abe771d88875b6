// The admin port: three GET routes, served by node:http. fastify here (with its router and schema
// compilers) cost ~4 MB of resident memory at rest in every app for three fixed answers.
import { createServer } from 'node:http';
import type { Logger } from 'pino';

export interface AdminServerOptions {
  /** Default 0.0.0.0: probes and scrapers come from outside the pod. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  isReady: () => boolean;
  /** Where /metrics reads from: a registry, or anything with its `metrics()` and `contentType` (e.g. a cluster's sum). */
  registry: { metrics(): Promise<string>; contentType: string };
  logger?: Logger;
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

export interface AdminResponse {
  status: number;
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const status = (code: number, text: string): AdminResponse => ({ status: code, contentType: JSON_TYPE, body: JSON.stringify({ status: text }) });

/**
 * What the admin port answers to a request: GET (or HEAD) /healthz → 200 {status:'ok'}, /readyz → 200
 * or 503, /metrics → Prometheus text; anything else 404, a method other than GET/HEAD 405.
 */
export async function adminResponse(method: string, url: string, options: Pick<AdminServerOptions, 'isReady' | 'registry' | 'logger'>): Promise<AdminResponse> {
  const path = url.split('?', 1)[0];
  if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics') return status(404, 'not found');
  if (method !== 'GET' && method !== 'HEAD') return status(405, 'method not allowed');
  if (path === '/healthz') return status(200, 'ok');
  if (path === '/readyz') {
    let ready: boolean;
    try {
      ready = options.isReady();
    } catch {
      // A readiness check that throws means not ready, not a 500 that a probe might misread.
      ready = false;
    }
    return ready ? status(200, 'ready') : status(503, 'not ready');
  }
  try {
    return { status: 200, contentType: options.registry.contentType, body: await options.registry.metrics() };
  } catch (error) {
    options.logger?.error({ err: error }, 'cannot collect the metrics');
    return status(500, 'cannot collect the metrics');
  }
}

/** Serves GET /healthz, /readyz and /metrics (see `adminResponse`). */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server = createServer((request, response) => {
    void adminResponse(request.method ?? 'GET', request.url ?? '/', options).then((answer) => {
      response.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': Buffer.byteLength(answer.body) });
      response.end(request.method === 'HEAD' ? undefined : answer.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host ?? '0.0.0.0', port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.logger?.info({ port }, 'admin server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's kept-alive connection would otherwise hold the close until it times out.
        server.closeIdleConnections();
      }),
  };
}
