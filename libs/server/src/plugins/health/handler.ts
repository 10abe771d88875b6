// Answers GET /health with 200 OK while the process runs; DNS queries pass through.
import type { Handler } from '../../types.ts';
import { acquireRoute, type HttpRoute } from '../http-listener.ts';

export interface HealthHandler extends Handler {
  /** The bound port, once started. */
  port(): number | null;
}

export function healthHandler(listen: { host: string; port: number }, lameduckMs: number): HealthHandler {
  let route: HttpRoute | null = null;
  return {
    name: 'health',
    serve: (req, next) => next(req),
    async start() {
      route = await acquireRoute(listen.host, listen.port, '/health', (_req, res) => {
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
