// The config service's HTTP app: shared plugins first (OpenAPI, auth), then one file of routes per resource.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';
import type { InstanceStatusV1 } from '@halo/bus';
import type { Fragments } from './fragments.ts';
import type { Tokens } from './tokens.ts';
import type { RejectedConfigMap } from './configmap-source.ts';
import auth from './plugins/auth.ts';
import tracing from './plugins/tracing.ts';
import { sharedSchemas } from './routes/schemas.ts';
import { fragmentRoutes } from './routes/fragments.ts';
import { configRoutes } from './routes/config.ts';
import { loadPage, pageRoutes } from './routes/page.ts';

export interface AppOptions {
  fragments: Fragments;
  statuses: () => Promise<InstanceStatusV1[]>;
  /** ConfigMap fragments the last sync refused. */
  rejected?: () => RejectedConfigMap[];
  tokens: () => Tokens;
  logger?: Logger;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: options.logger as FastifyBaseLogger | undefined, bodyLimit: 256 * 1024 });
  for (const schema of sharedSchemas) app.addSchema(schema);
  const page = await loadPage();
  // Security headers on every response, errors and 404s included: the page runs only its own inline
  // script and style, talks only to this origin, and is never framed.
  await app.register(helmet, {
    global: true,
    frameguard: { action: 'deny' },
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: page.scriptHashes,
        styleSrc: page.styleHashes,
        connectSrc: ["'self'"],
        imgSrc: ["'self'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Halo DNS config service',
        version: '1',
        description: 'Corefile fragments, validated whole and applied live on every answerer and node cache.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  // First: a request refused by auth is traced too, and every route's handler runs in its request's span.
  await app.register(tracing);
  await app.register(auth, { tokens: options.tokens });
  await app.register(fragmentRoutes(options.fragments));
  await app.register(configRoutes(options.fragments, options.statuses, options.rejected ?? (() => [])));
  await app.register(pageRoutes(page));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
