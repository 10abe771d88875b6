// The shape of stored objects: only metadata is typed; the rest is JSON as the client sent it.

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A record field, or an empty record when it is missing (for reading, never for writing back). */
export function recordAt(value: unknown, key: string): JsonRecord {
  if (!isRecord(value)) return {};
  const field = value[key];
  return isRecord(field) ? field : {};
}

export function isKubeObject(value: unknown): value is KubeObject {
  return isRecord(value) && (value.metadata === undefined || isRecord(value.metadata));
}
