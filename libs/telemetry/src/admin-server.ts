import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino } from 'pino';
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

const statusSchema = {
  type: 'object',
  properties: { status: { type: 'string' } },
  required: ['status'],
} as const;

/** The admin routes on a fastify instance that is not listening yet; tests call `app.inject()` on it. */
export function buildAdminApp(options: Omit<AdminServerOptions, 'host' | 'port'>): FastifyInstance {
  // Probes hit these routes every few seconds: request logging would drown the service's own lines.
  const loggerInstance: FastifyBaseLogger = options.logger ?? pino({ level: 'silent' });
  const app: FastifyInstance = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.get('/healthz', { schema: { response: { 200: statusSchema } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { response: { 200: statusSchema, 503: statusSchema } } }, async (_request, reply) => {
    let ready: boolean;
    try {
      ready = options.isReady();
    } catch {
      // A readiness check that throws means not ready, not a 500 that a probe might misread.
      ready = false;
    }
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await options.registry.metrics();
    return reply.type(options.registry.contentType).send(text);
  });

  return app;
}

/** Serves GET /healthz (200 {status:'ok'}), /readyz (200 or 503) and /metrics (Prometheus text). */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const app = buildAdminApp(options);
  await app.listen({ host: options.host ?? '0.0.0.0', port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.logger?.info({ port }, 'admin server listening');
  return { port, close: () => app.close() };
}
