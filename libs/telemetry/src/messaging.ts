// Spans for messages on the bus, as OpenTelemetry's messaging conventions name them: `send <destination>`
// (PRODUCER) around each message sent, `process <destination>` (CONSUMER) around each one processed, its
// parent the sender's span, whose context travels with the message (NATS headers, or inside a KV value).
import { context, trace, SpanKind, SpanStatusCode, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { extractTrace, tracer, type TraceCarrier } from './tracing.ts';
import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  MESSAGING_OPERATION_PROCESS,
  MESSAGING_OPERATION_SEND,
  MESSAGING_SYSTEM_NATS,
  messagingSpanName,
} from './semconv.ts';

export interface ProcessSpanOptions {
  /**
   * Start a new trace linked to the sender's instead of joining it: for messages read long after they
   * were sent (an instance starting on the config it finds), which would otherwise grow old traces.
   */
  link?: boolean;
}

function messagingAttributes(operation: 'send' | 'process', destination: string, attributes: Attributes): Attributes {
  return {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_NATS,
    [ATTR_MESSAGING_OPERATION_TYPE]: operation,
    [ATTR_MESSAGING_OPERATION_NAME]: operation,
    [ATTR_MESSAGING_DESTINATION_NAME]: destination,
    ...attributes,
  };
}

function fail(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** Runs `fn` while its result settles, then ends the span (marking it failed when `fn` throws or rejects). */
function within<T>(span: Span, ctx: Context, fn: (span: Span) => T): T {
  let result: T;
  try {
    result = context.with(ctx, fn, undefined, span);
  } catch (err) {
    fail(span, err);
    span.end();
    throw err;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        span.end();
        return value;
      },
      (err: unknown) => {
        fail(span, err);
        span.end();
        throw err;
      },
    ) as T;
  }
  span.end();
  return result;
}

/**
 * Runs `fn` in a PRODUCER span `send <destination>` that is the active span: inject the trace into the
 * message inside `fn` (`injectTrace`), so that its consumers become the span's children.
 */
export function withSendSpan<T>(destination: string, attributes: Attributes, fn: (span: Span) => T): T {
  const span = tracer.startSpan(messagingSpanName(MESSAGING_OPERATION_SEND, destination), {
    kind: SpanKind.PRODUCER,
    attributes: messagingAttributes(MESSAGING_OPERATION_SEND, destination, attributes),
  });
  return within(span, trace.setSpan(context.active(), span), fn);
}

/**
 * Runs `fn` in a CONSUMER span `process <destination>`, the child of the sender's span whose context the
 * carrier holds (a root span when it holds none), active while `fn` runs.
 */
export function withProcessSpan<T>(
  destination: string,
  carrier: TraceCarrier | undefined,
  attributes: Attributes,
  fn: (span: Span) => T,
  options: ProcessSpanOptions = {},
): T {
  const sender = extractTrace(carrier ?? {});
  const senderSpan = trace.getSpanContext(sender);
  const links: Link[] = options.link && senderSpan ? [{ context: senderSpan }] : [];
  const parent = options.link ? trace.deleteSpan(sender) : sender;
  const span = tracer.startSpan(
    messagingSpanName(MESSAGING_OPERATION_PROCESS, destination),
    { kind: SpanKind.CONSUMER, attributes: messagingAttributes(MESSAGING_OPERATION_PROCESS, destination, attributes), links },
    parent,
  );
  return within(span, trace.setSpan(parent, span), fn);
}
