// Serves the shared registry on GET /metrics; DNS queries pass through (the server counts them).
import type { Registry } from 'prom-client';
import type { Handler } from '../../types.ts';
import { acquireRoute, type HttpRoute } from '../http-listener.ts';

export interface PrometheusHandler extends Handler {
  port(): number | null;
}

export function prometheusHandler(listen: { host: string; port: number }, registry: Registry): PrometheusHandler {
  let route: HttpRoute | null = null;
  return {
    name: 'prometheus',
    serve: (req, next) => next(req),
    async start() {
      route = await acquireRoute(listen.host, listen.port, '/metrics', async (_req, res) => {
        const body = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType }).end(body);
      });
    },
    port: () => route?.port ?? null,
    async close() {
      await route?.release();
      route = null;
    },
  };
}
