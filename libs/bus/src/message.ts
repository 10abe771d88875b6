// What every message of the bus shares, zone and config alike: the trace context it carries inside its
// value (a KV put has no headers), and the result of decoding it, an error as a value, never a throw.
export type TraceFields = { traceparent?: string; tracestate?: string };

export interface BusError {
  code: 'BUS_BAD_JSON' | 'BUS_BAD_SCHEMA' | 'BUS_UNKNOWN_VERSION';
  message: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: BusError };

/** A validator generated from a message's JSON schema (validators.generated.js); its first error on failure. */
export interface Validator {
  (data: unknown): boolean;
  errors?: readonly { instancePath: string; message?: string }[] | null;
}

const decoder = new TextDecoder();

/**
 * A message's bytes as JSON, checked by the validator of the schema version it names: the value, or why
 * not (not JSON, a version no validator is given for, the first schema error with its path).
 */
export function decodeMessage<T>(bytes: Uint8Array, what: string, validators: Readonly<Record<number, Validator>>): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (err) {
    return { ok: false, error: { code: 'BUS_BAD_JSON', message: `${what}: not JSON (${(err as Error).message})` } };
  }
  const version = typeof json === 'object' && json !== null ? (json as { schema?: unknown }).schema : undefined;
  const validate = typeof version === 'number' ? validators[version] : undefined;
  if (!validate) {
    return { ok: false, error: { code: 'BUS_UNKNOWN_VERSION', message: `${what}: unknown schema version ${JSON.stringify(version)}` } };
  }
  if (!validate(json)) {
    const first = validate.errors?.[0];
    return { ok: false, error: { code: 'BUS_BAD_SCHEMA', message: `${what}: ${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}` } };
  }
  return { ok: true, value: json as T };
}
