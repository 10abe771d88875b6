// Versioned schemas of KV `halo-config` and KV `halo-status`.
import { Ajv, type ValidateFunction } from 'ajv';
import type { Decoded, TraceFields } from '../message.ts';

export type ConfigTarget = 'answerer' | 'node-cache';
export const configTargets: readonly ConfigTarget[] = ['answerer', 'node-cache'];

export interface FragmentSource {
  kind: 'api' | 'configmap';
  /** For a ConfigMap: `namespace/name` and the data key. */
  configMap?: string;
  key?: string;
}

/** One version of one fragment: `fragment.<name>` holds the current one, `history.<name>.<version>` every one. */
export interface FragmentV1 {
  schema: 1;
  name: string;
  text: string;
  targets: ConfigTarget[];
  source: FragmentSource;
  version: number;
  author: string;
  changedAt: string;
  /** What this version did: put, delete or rollback (to `rolledBackTo`). */
  change: 'put' | 'delete' | 'rollback';
  rolledBackTo?: number;
  deleted: boolean;
}

/** What the instances of one target run: `effective.<target>`. */
export interface EffectiveConfigV1 {
  schema: 1;
  target: ConfigTarget;
  /** Increases with every change of what this target runs. */
  version: number;
  /** The fragments' server blocks, appended to each instance's own Corefile. */
  corefile: string;
  fragments: { name: string; version: number }[];
  changedAt: string;
  /** The config service's trace of the change, so that each instance's apply joins it (a KV put has no headers). */
  trace?: TraceFields;
}

/** An instance's DNS programming latency (docs/observability.md) over its latest changes. */
export interface ProgrammingLatencyV1 {
  /** Changes observed since the instance started. */
  count: number;
  p50Seconds: number;
  p99Seconds: number;
}

/** What one instance runs: KV `halo-status`, key `<target>.<instance>`. */
export interface InstanceStatusV1 {
  schema: 1;
  target: ConfigTarget;
  instance: string;
  /** The effective config version it runs (0: its own Corefile only). */
  version: number;
  appliedAt: string;
  /** The error that kept it on its last good config, if the newest one failed. */
  error: string | null;
  errorVersion: number | null;
  heartbeatAt: string;
  /** Absent until the instance has seen a zone change (and from instances that do not measure it). */
  programmingLatency?: ProgrammingLatencyV1;
}

const ajv = new Ajv({ strict: false });
const target = { type: 'string', enum: ['answerer', 'node-cache'] } as const;

const fragmentSchema = {
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

const effectiveSchema = {
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
    trace: {
      type: 'object',
      properties: { traceparent: { type: 'string' }, tracestate: { type: 'string' } },
      additionalProperties: false,
    },
  },
} as const;

const statusSchema = {
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

const validators = {
  fragment: ajv.compile(fragmentSchema) as ValidateFunction<FragmentV1>,
  effective: ajv.compile(effectiveSchema) as ValidateFunction<EffectiveConfigV1>,
  status: ajv.compile(statusSchema) as ValidateFunction<InstanceStatusV1>,
};

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function decodeWith<T>(bytes: Uint8Array, what: string, validate: ValidateFunction<T>): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (err) {
    return { ok: false, error: { code: 'BUS_BAD_JSON', message: `${what}: not JSON (${(err as Error).message})` } };
  }
  const version = (json as { schema?: unknown } | null)?.schema;
  if (version !== 1) return { ok: false, error: { code: 'BUS_UNKNOWN_VERSION', message: `${what}: unknown schema version ${JSON.stringify(version)}` } };
  if (!validate(json)) {
    const first = validate.errors?.[0];
    return { ok: false, error: { code: 'BUS_BAD_SCHEMA', message: `${what}: ${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}` } };
  }
  return { ok: true, value: json };
}

export const decodeFragment = (bytes: Uint8Array) => decodeWith(bytes, 'fragment', validators.fragment);
export const decodeEffectiveConfig = (bytes: Uint8Array) => decodeWith(bytes, 'effective config', validators.effective);
export const decodeInstanceStatus = (bytes: Uint8Array) => decodeWith(bytes, 'instance status', validators.status);
export const encodeJson = (value: FragmentV1 | EffectiveConfigV1 | InstanceStatusV1): Uint8Array => encoder.encode(JSON.stringify(value));
