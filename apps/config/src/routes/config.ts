// /v1/validate (a dry run), /v1/config (the effective Corefile of a target), /v1/status (the rollout).
import type { FastifyInstance } from 'fastify';
import { configTargets, type ConfigTarget, type InstanceStatusV1 } from '@halo/bus';
import type { Fragments } from '../fragments.ts';
import { parseTargets } from './fragments.ts';
import type { RejectedConfigMap } from '../configmap-source.ts';
import { instanceState, rolloutOf } from '../rollout.ts';
import { problem, targetsQuery } from './schemas.ts';

export function configRoutes(fragments: Fragments, statuses: () => Promise<InstanceStatusV1[]>, rejected: () => RejectedConfigMap[]) {
  return async function routes(app: FastifyInstance) {
    // Write role: a dry run sees what a write would (and must not become a way around the write role).
    app.post<{ Querystring: { name?: string; targets?: string }; Body: string }>(
      '/v1/validate',
      {
        config: { role: 'write' },
        schema: {
          summary: 'Validate a fragment without applying it (Corefile text, content-type text/plain)',
          querystring: { type: 'object', properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' }, targets: targetsQuery } },
          body: { type: 'string', maxLength: 65536 },
          response: {
            200: {
              type: 'object',
              required: ['ok', 'errors'],
              properties: { ok: { type: 'boolean' }, errors: { type: 'array', items: { $ref: 'CorefileError#' } } },
            },
            403: problem,
            422: {
              type: 'object',
              required: ['ok', 'errors'],
              properties: { ok: { type: 'boolean' }, errors: { type: 'array', items: { $ref: 'CorefileError#' } } },
            },
          },
        },
      },
      async (request, reply) => {
        const errors = await fragments.validate(request.query.name ?? 'draft', request.body ?? '', parseTargets(request.query.targets));
        return reply.code(errors.length ? 422 : 200).send({ ok: errors.length === 0, errors });
      },
    );

    app.get<{ Querystring: { target: ConfigTarget } }>(
      '/v1/config',
      {
        config: { role: 'read' },
        schema: {
          summary: 'The effective Corefile a target appends to its own',
          querystring: { type: 'object', required: ['target'], properties: { target: { type: 'string', enum: [...configTargets] } } },
          response: { 200: { $ref: 'EffectiveConfig#' }, 400: problem },
        },
      },
      async (request) => {
        const effective = await fragments.effective(request.query.target);
        return effective ?? { target: request.query.target, version: 0, corefile: '', fragments: [] };
      },
    );

    app.get(
      '/v1/status',
      {
        config: { role: 'read' },
        schema: {
          summary: 'Every answerer and node cache: the config version it runs, when it applied it, its last error, its DNS programming latency',
          response: {
            200: {
              type: 'object',
              properties: {
                effective: { type: 'object', properties: { answerer: { type: 'integer' }, 'node-cache': { type: 'integer' } } },
                rollout: {
                  type: 'array',
                  description:
                    "Each target's newest version: applied by every instance, pending, rejected by some (with their errors), or stuck (not applied 30 s after it was published).",
                  items: {
                    type: 'object',
                    properties: {
                      target: { type: 'string' },
                      version: { type: 'integer' },
                      state: { type: 'string', enum: ['applied', 'pending', 'rejected', 'stuck', 'no instances'] },
                      instances: { type: 'integer' },
                      current: { type: 'integer' },
                      rejectedBy: { type: 'array', items: { type: 'object', properties: { instance: { type: 'string' }, error: { type: 'string' } } } },
                    },
                  },
                },
                rejected: {
                  type: 'array',
                  description: 'ConfigMap fragments refused by validation; their last good version keeps running.',
                  items: {
                    type: 'object',
                    properties: {
                      fragment: { type: 'string' },
                      configMap: { type: 'string' },
                      key: { type: 'string' },
                      message: { type: 'string' },
                      errors: { type: 'array', items: { $ref: 'CorefileError#' } },
                    },
                  },
                },
                instances: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      target: { type: 'string' },
                      instance: { type: 'string' },
                      version: { type: 'integer' },
                      appliedAt: { type: 'string' },
                      error: { type: ['string', 'null'] },
                      errorVersion: { type: ['integer', 'null'] },
                      heartbeatAt: { type: 'string' },
                      current: { type: 'boolean', description: 'It runs the newest effective version of its target.' },
                      state: {
                        type: 'string',
                        enum: ['current', 'pending', 'rejected', 'stuck'],
                        description:
                          'rejected: it refused the newest version and runs an older one; stuck: it has not applied the newest version 30 s after it was published.',
                      },
                      programmingLatency: {
                        type: 'object',
                        description:
                          'DNS programming latency: from a change at its source (the EndpointSlice last-change-trigger-time, else when the watcher saw it) to when this instance answers with it; p50 and p99 over its latest 1000 changes. Absent before its first change.',
                        properties: { count: { type: 'integer' }, p50Seconds: { type: 'number' }, p99Seconds: { type: 'number' } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
      async () => {
        const [answerer, nodeCache, instances] = await Promise.all([fragments.effective('answerer'), fragments.effective('node-cache'), statuses()]);
        const newest = { answerer: answerer ?? { version: 0 }, 'node-cache': nodeCache ?? { version: 0 } };
        const effective = { answerer: newest.answerer.version, 'node-cache': newest['node-cache'].version };
        const now = Date.now();
        return {
          effective,
          rollout: configTargets.map((t) => rolloutOf(t, newest[t], instances, now)),
          rejected: rejected(),
          instances: instances.map((i) => {
            const state = instanceState(i, newest[i.target], now);
            return { ...i, current: state === 'current', state };
          }),
        };
      },
    );
  };
}
