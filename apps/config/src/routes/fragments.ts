// /v1/fragments: list, read, write (optimistic: If-Match with the version you read), delete, versions, rollback.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { configTargets, type ConfigTarget, type FragmentV1 } from '@halo/bus';
import type { ChangeResult, Fragments } from '../fragments.ts';
import { problem, targetsQuery } from './schemas.ts';

const nameParam = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$', description: 'A DNS label: lowercase letters, digits and hyphens.' } },
} as const;
const ifMatch = {
  type: 'object',
  properties: { 'if-match': { type: 'string', pattern: '^(W/)?"?[0-9]+"?$', description: 'The version you read; 0 to create.' } },
} as const;

export function view(f: FragmentV1, withText = true) {
  return {
    name: f.name,
    version: f.version,
    ...(withText ? { text: f.text } : {}),
    targets: f.targets,
    source: f.source,
    author: f.author,
    changedAt: f.changedAt,
    readOnly: f.source.kind === 'configmap',
    change: f.change,
    ...(f.rolledBackTo !== undefined ? { rolledBackTo: f.rolledBackTo } : {}),
    deleted: f.deleted,
  };
}

export const parseTargets = (value: string | undefined): ConfigTarget[] =>
  value ? configTargets.filter((t) => value.split(',').includes(t)) : [...configTargets];

const version = (header: string | undefined): number | null => (header === undefined ? null : Number(header.replace(/[^0-9]/g, '')));

const statusText: Record<number, string> = { 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity', 428: 'Precondition Required' };

export function sendResult(reply: FastifyReply, result: ChangeResult) {
  if (!result.ok) {
    return reply
      .code(result.status)
      .send({ statusCode: result.status, error: statusText[result.status], message: result.message, errors: result.errors, current: result.current });
  }
  return reply
    .header('etag', `"${result.fragment.version}"`)
    .send({ fragment: view(result.fragment), effective: result.effective.map((e) => ({ target: e.target, version: e.version })) });
}

export function fragmentRoutes(fragments: Fragments) {
  return async function routes(app: FastifyInstance) {
    app.get(
      '/v1/fragments',
      {
        config: { role: 'read' },
        schema: {
          summary: 'The live fragments, without their text',
          response: { 200: { type: 'object', properties: { fragments: { type: 'array', items: { $ref: 'Fragment#' } } } } },
        },
      },
      async () => ({ fragments: (await fragments.list()).map((f) => view(f, false)) }),
    );

    app.get<{ Params: { name: string } }>(
      '/v1/fragments/:name',
      {
        config: { role: 'read' },
        schema: { summary: 'One fragment with its text; ETag is its version', params: nameParam, response: { 200: { $ref: 'Fragment#' }, 404: problem } },
      },
      async (request, reply) => {
        const fragment = await fragments.get(request.params.name);
        if (!fragment) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no fragment named "${request.params.name}"` });
        return reply.header('etag', `"${fragment.version}"`).send(view(fragment));
      },
    );

    app.put<{ Params: { name: string }; Querystring: { targets?: string }; Headers: { 'if-match'?: string }; Body: string }>(
      '/v1/fragments/:name',
      {
        config: { role: 'write' },
        schema: {
          summary: 'Create or replace a fragment (Corefile text, content-type text/plain); validated whole',
          description: 'Send If-Match with the version you read (0 or none to create). A stale version gets 409; any error gets 422 and changes nothing.',
          params: nameParam,
          querystring: { type: 'object', properties: { targets: targetsQuery } },
          headers: ifMatch,
          body: { type: 'string', maxLength: 65536 },
          response: {
            200: {
              type: 'object',
              properties: {
                fragment: { $ref: 'Fragment#' },
                effective: { type: 'array', items: { type: 'object', properties: { target: { type: 'string' }, version: { type: 'integer' } } } },
              },
            },
            403: problem,
            409: problem,
            422: problem,
            428: problem,
          },
        },
      },
      async (request, reply) => {
        const { name } = request.params;
        let expected = version(request.headers['if-match']);
        if (expected === null) {
          // Without If-Match a write may only create: replacing what you have not read is how changes get lost.
          const existing = await fragments.get(name);
          if (existing)
            return reply.code(428).send({
              statusCode: 428,
              error: 'Precondition Required',
              message: `fragment "${name}" exists (version ${existing.version}): send If-Match: "${existing.version}" to replace it`,
            });
          expected = 0;
        }
        return sendResult(
          reply,
          await fragments.put({ name, text: request.body, targets: parseTargets(request.query.targets), author: request.principal!.name, ifMatch: expected }),
        );
      },
    );

    app.delete<{ Params: { name: string }; Headers: { 'if-match'?: string } }>(
      '/v1/fragments/:name',
      {
        config: { role: 'write' },
        schema: {
          summary: 'Delete a fragment (If-Match with the version you read)',
          params: nameParam,
          headers: ifMatch,
          response: { 200: { type: 'object', additionalProperties: true }, 403: problem, 404: problem, 409: problem, 428: problem },
        },
      },
      async (request, reply) => {
        const expected = version(request.headers['if-match']);
        if (expected === null)
          return reply.code(428).send({ statusCode: 428, error: 'Precondition Required', message: 'send If-Match with the version you read' });
        return sendResult(reply, await fragments.delete({ name: request.params.name, author: request.principal!.name, ifMatch: expected }));
      },
    );

    app.get<{ Params: { name: string } }>(
      '/v1/fragments/:name/versions',
      {
        config: { role: 'read' },
        schema: {
          summary: 'Every version of a fragment: who, when, what',
          params: nameParam,
          response: { 200: { type: 'object', properties: { versions: { type: 'array', items: { $ref: 'Fragment#' } } } }, 404: problem },
        },
      },
      async (request, reply) => {
        const versions = await fragments.versions(request.params.name);
        if (versions.length === 0) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no fragment named "${request.params.name}"` });
        return { versions: versions.map((v) => view(v)) };
      },
    );

    app.post<{ Params: { name: string }; Body: { version: number }; Headers: { 'if-match'?: string } }>(
      '/v1/fragments/:name/rollback',
      {
        config: { role: 'write' },
        schema: {
          summary: 'Write an earlier version again, as a new version',
          params: nameParam,
          headers: ifMatch,
          body: { type: 'object', required: ['version'], properties: { version: { type: 'integer', minimum: 1 } }, additionalProperties: false },
          response: { 200: { type: 'object', additionalProperties: true }, 403: problem, 404: problem, 409: problem, 422: problem },
        },
      },
      async (request, reply) => {
        return sendResult(
          reply,
          await fragments.rollback({
            name: request.params.name,
            version: request.body.version,
            author: request.principal!.name,
            ifMatch: version(request.headers['if-match']),
          }),
        );
      },
    );
  };
}
