import { context, propagation, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapSetter, Tracer } from '@opentelemetry/api';
import type { MsgHdrs } from '@nats-io/transport-node';

export const TRACER_NAME = 'halo-dns';

/** Where trace context travels: a plain object (inside a KV value, which carries no headers) or NATS headers. */
export type TraceCarrier = Record<string, string> | MsgHdrs;

function isMsgHdrs(carrier: TraceCarrier): carrier is MsgHdrs {
  return typeof (carrier as MsgHdrs).get === 'function' && typeof (carrier as MsgHdrs).keys === 'function';
}

const carrierGetter: TextMapGetter<TraceCarrier> = {
  keys: (carrier) => (isMsgHdrs(carrier) ? carrier.keys() : Object.keys(carrier)),
  get: (carrier, key) => {
    if (isMsgHdrs(carrier)) {
      // MsgHdrs.get returns '' for a missing key; the propagator wants undefined.
      return carrier.has(key) ? carrier.get(key) : undefined;
    }
    return Object.hasOwn(carrier, key) ? carrier[key] : undefined;
  },
};

const carrierSetter: TextMapSetter<TraceCarrier> = {
  set: (carrier, key, value) => {
    if (isMsgHdrs(carrier)) carrier.set(key, value);
    else carrier[key] = value;
  },
};

/** Writes the W3C traceparent/tracestate of `ctx` (default: the active context) into the carrier. */
export function injectTrace(carrier: TraceCarrier, ctx: Context = context.active()): void {
  propagation.inject(ctx, carrier, carrierSetter);
}

/** Reads W3C trace context from the carrier; use the result as the parent of the receiving span. */
export function extractTrace(carrier: TraceCarrier): Context {
  return propagation.extract(ROOT_CONTEXT, carrier, carrierGetter);
}

// The tracer looks the global provider up on every call instead of caching one: the API's proxy tracer
// binds itself to the first provider it sees, which breaks tests that register a fresh provider.
function currentTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

export const tracer: Tracer = {
  startSpan: (name, options, ctx) => currentTracer().startSpan(name, options, ctx),
  startActiveSpan: ((...args: unknown[]) => {
    const t = currentTracer();
    return (t.startActiveSpan as (...a: unknown[]) => unknown).apply(t, args);
  }) as Tracer['startActiveSpan'],
};
