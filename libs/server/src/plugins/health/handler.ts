// Answers GET /health with 200 OK while the process runs; DNS queries pass through.
import type { Handler } from '../../types.ts';
import type { HttpRoute, HttpRoutes } from '../../http-routes.ts';

export interface HealthHandler extends Handler {
  /** The bound port, once started. */
  port(): number | null;
}

export function healthHandler(listen: { host: string; port: number }, lameduckMs: number, routes: HttpRoutes): HealthHandler {
  let route: HttpRoute | null = null;
  return {
    name: 'health',
    transparent: true,
    serve: (req, next) => next(req),
    async start() {
      route = await routes.acquire(listen.host, listen.port, '/health', (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      });
    },
    port: () => route?.port ?? null,
    // Applied by DnsServer.drain (shutdown), as in CoreDNS; a reload hands the route over at once.
    lameduckMs,
    async close() {
      await route?.release();
      route = null;
    },
  };
}
