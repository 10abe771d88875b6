// Bearer tokens: every /v1 route needs a token; writes need the write role. Who wrote is the token's name.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Principal, Role, Tokens } from '../tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The role a route needs; routes without one are public (the page, the OpenAPI document). */
    role?: Role;
  }
}

export interface AuthOptions {
  /** Read on every request, so that a Secret's new tokens work at once. */
  tokens: () => Tokens;
}

async function auth(app: FastifyInstance, options: AuthOptions) {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const role = request.routeOptions.config.role;
    if (!role) return;
    const header = request.headers.authorization ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    const principal = token ? options.tokens().get(token) : undefined;
    if (!principal) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="halo-config"')
        .send({ statusCode: 401, error: 'Unauthorized', message: token ? 'unknown token' : 'send Authorization: Bearer <token>' });
    }
    if (role === 'write' && principal.role !== 'write') {
      return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `${principal.name} has the read role; this needs the write role` });
    }
    request.principal = principal;
  });
}

export default fp(auth, { name: 'auth' });
