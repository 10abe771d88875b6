// GET /ready: 200 when every plugin that can tell is ready, else 503 with the names of the others.
import type { Handler } from '../../types.ts';
import type { HttpRoute, HttpRoutes } from '../../http-routes.ts';

export interface ReadyHandler extends Handler {
  port(): number | null;
}

export function notReady(handlers: readonly Handler[]): string[] {
  return handlers.filter((h) => h.ready && !h.ready()).map((h) => h.name);
}

export function readyHandler(listen: { host: string; port: number }, handlers: () => readonly Handler[], routes: HttpRoutes): ReadyHandler {
  let route: HttpRoute | null = null;
  return {
    name: 'ready',
    transparent: true,
    serve: (req, next) => next(req),
    async start() {
      route = await routes.acquire(listen.host, listen.port, '/ready', (_req, res) => {
        const waiting = notReady(handlers());
        if (waiting.length === 0) res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
        else res.writeHead(503, { 'content-type': 'text/plain' }).end(waiting.sort().join(', '));
      });
    },
    port: () => route?.port ?? null,
    async close() {
      await route?.release();
      route = null;
    },
  };
}
