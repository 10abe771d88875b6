// The JSON schemas of the bus's messages, one per message and version. Not compiled at start: the
// validators are code generated from them (validators-source.ts writes validators.generated.js).
import type { JSONSchemaType } from 'ajv';
import type { ZoneChangedV1, ZoneCompleteV1 } from './zone/schemas.ts';

const name = { type: 'string', minLength: 1, maxLength: 253 } as const;
const labels = { type: 'object', additionalProperties: { type: 'string' } } as const;
const port = {
  type: 'object',
  required: ['name', 'protocol', 'port'],
  properties: {
    name: { type: 'string' },
    protocol: { enum: ['TCP', 'UDP', 'SCTP'] },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
  },
} as const;

const recordSetSchema = {
  oneOf: [
    {
      type: 'object',
      required: ['kind', 'namespace', 'name', 'type', 'clusterIPs', 'ports', 'publishNotReadyAddresses', 'labels', 'endpoints'],
      properties: {
        kind: { const: 'Service' },
        namespace: name,
        name,
        type: { enum: ['ClusterIP', 'Headless', 'ExternalName'] },
        clusterIPs: { type: 'array', items: { type: 'string' } },
        externalName: { type: 'string' },
        ports: { type: 'array', items: port },
        publishNotReadyAddresses: { type: 'boolean' },
        labels,
        endpoints: {
          type: 'array',
          items: {
            type: 'object',
            required: ['addresses', 'ready', 'ports'],
            properties: {
              addresses: { type: 'array', items: { type: 'string' } },
              ready: { type: 'boolean' },
              hostname: { type: 'string' },
              podName: { type: 'string' },
              ports: { type: 'array', items: port },
            },
          },
        },
      },
    },
    {
      type: 'object',
      required: ['kind', 'name', 'labels'],
      properties: { kind: { const: 'Namespace' }, name, labels },
    },
    {
      type: 'object',
      required: ['kind', 'namespace', 'name', 'ips'],
      properties: { kind: { const: 'Pod' }, namespace: name, name, ips: { type: 'array', items: { type: 'string' } } },
    },
  ],
} as const;

const traceSchema = {
  type: 'object',
  properties: { traceparent: { type: 'string' }, tracestate: { type: 'string' } },
  additionalProperties: false,
} as const;

const zoneEntryV1 = {
  type: 'object',
  required: ['schema', 'recordSet', 'changedAt'],
  properties: { schema: { const: 1 }, recordSet: recordSetSchema, changedAt: { type: 'string' }, triggerTime: { type: 'string' }, trace: traceSchema },
} as const;

const zoneChangedV1: JSONSchemaType<ZoneChangedV1> = {
  type: 'object',
  required: ['schema', 'key', 'names', 'revision'],
  properties: {
    schema: { type: 'integer', const: 1 },
    key: { type: 'string', minLength: 1 },
    names: { type: 'array', items: { type: 'string' } },
    revision: { type: 'integer', minimum: 0 },
    triggerTime: { type: 'string', nullable: true },
  },
};

const zoneCompleteV1: JSONSchemaType<ZoneCompleteV1> = {
  type: 'object',
  required: ['schema', 'revision', 'keys', 'writer', 'completedAt'],
  properties: {
    schema: { type: 'integer', const: 1 },
    revision: { type: 'integer', minimum: 0 },
    keys: { type: 'integer', minimum: 0 },
    writer: { type: 'string' },
    completedAt: { type: 'string' },
  },
};

const target = { type: 'string', enum: ['answerer', 'node-cache'] } as const;

const fragmentV1 = {
  type: 'object',
  required: ['schema', 'name', 'text', 'targets', 'source', 'version', 'author', 'changedAt', 'change', 'deleted'],
  properties: {
    schema: { type: 'integer', const: 1 },
    name: { type: 'string', minLength: 1 },
    text: { type: 'string' },
    targets: { type: 'array', items: target },
    source: {
      type: 'object',
      required: ['kind'],
      properties: {
        kind: { type: 'string', enum: ['api', 'configmap'] },
        configMap: { type: 'string', nullable: true },
        key: { type: 'string', nullable: true },
      },
    },
    version: { type: 'integer', minimum: 1 },
    author: { type: 'string' },
    changedAt: { type: 'string' },
    change: { type: 'string', enum: ['put', 'delete', 'rollback'] },
    rolledBackTo: { type: 'integer', nullable: true },
    deleted: { type: 'boolean' },
  },
} as const;

const effectiveConfigV1 = {
  type: 'object',
  required: ['schema', 'target', 'version', 'corefile', 'fragments', 'changedAt'],
  properties: {
    schema: { type: 'integer', const: 1 },
    target,
    version: { type: 'integer', minimum: 0 },
    corefile: { type: 'string' },
    fragments: {
      type: 'array',
      items: { type: 'object', required: ['name', 'version'], properties: { name: { type: 'string' }, version: { type: 'integer' } } },
    },
    changedAt: { type: 'string' },
    trace: traceSchema,
  },
} as const;

const instanceStatusV1 = {
  type: 'object',
  required: ['schema', 'target', 'instance', 'version', 'appliedAt', 'error', 'errorVersion', 'heartbeatAt'],
  properties: {
    schema: { type: 'integer', const: 1 },
    target,
    instance: { type: 'string', minLength: 1 },
    version: { type: 'integer', minimum: 0 },
    appliedAt: { type: 'string' },
    error: { type: 'string', nullable: true },
    errorVersion: { type: 'integer', nullable: true },
    heartbeatAt: { type: 'string' },
    programmingLatency: {
      type: 'object',
      required: ['count', 'p50Seconds', 'p99Seconds'],
      properties: { count: { type: 'integer', minimum: 0 }, p50Seconds: { type: 'number', minimum: 0 }, p99Seconds: { type: 'number', minimum: 0 } },
    },
  },
} as const;

/** Every schema by the name of its validator in validators.generated.js. */
export const jsonSchemas = { zoneEntryV1, zoneChangedV1, zoneCompleteV1, fragmentV1, effectiveConfigV1, instanceStatusV1 } as const;
