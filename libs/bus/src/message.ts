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
