import { context, propagation, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export type { ReadableSpan };
export { InMemorySpanExporter };

export interface InMemoryTracing {
  exporter: InMemorySpanExporter;
  /** Finished spans, in the order they ended. */
  spans(): ReadableSpan[];
  reset(): void;
  /** Shuts the provider down and unregisters the globals, so another test can register its own. */
  shutdown(): Promise<void>;
}

/**
 * For tests: registers a global tracer provider exporting every span at once to memory,
 * the async-hooks context manager and the W3C trace-context propagator.
 */
export function useInMemoryTracing(): InMemoryTracing {
  // Clear whatever an earlier test left registered; the API refuses a second registration otherwise.
  trace.disable();
  context.disable();
  propagation.disable();

  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);

  return {
    exporter,
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

export interface ExpectedSpan {
  name?: string | RegExp;
  kind?: SpanKind;
  status?: SpanStatusCode;
  /** Each listed attribute must be present with this value; others may exist. */
  attributes?: Attributes;
  /** The span whose child this one must be (same trace, parent span id). */
  parent?: ReadableSpan;
}

/** Differences between a span and what a test expects of it; empty when it matches. */
export function spanMismatches(span: ReadableSpan, expected: ExpectedSpan): string[] {
  const problems: string[] = [];
  if (expected.name !== undefined) {
    const ok = typeof expected.name === 'string' ? span.name === expected.name : expected.name.test(span.name);
    if (!ok) problems.push(`name is ${JSON.stringify(span.name)}, expected ${String(expected.name)}`);
  }
  if (expected.kind !== undefined && span.kind !== expected.kind) {
    problems.push(`kind is ${SpanKind[span.kind]}, expected ${SpanKind[expected.kind]}`);
  }
  if (expected.status !== undefined && span.status.code !== expected.status) {
    problems.push(`status is ${SpanStatusCode[span.status.code]}, expected ${SpanStatusCode[expected.status]}`);
  }
  for (const [key, value] of Object.entries(expected.attributes ?? {})) {
    const actual = span.attributes[key];
    if (JSON.stringify(actual) !== JSON.stringify(value)) {
      problems.push(`attribute ${key} is ${JSON.stringify(actual)}, expected ${JSON.stringify(value)}`);
    }
  }
  if (expected.parent) {
    const parentContext = expected.parent.spanContext();
    if (span.spanContext().traceId !== parentContext.traceId) {
      problems.push(`trace id ${span.spanContext().traceId} differs from the parent's ${parentContext.traceId}`);
    }
    const parentSpanId = span.parentSpanContext?.spanId;
    if (parentSpanId !== parentContext.spanId) {
      problems.push(`parent span id is ${parentSpanId ?? 'none'}, expected ${parentContext.spanId} (${expected.parent.name})`);
    }
  }
  return problems;
}

/** Throws (for a test framework to report) when the span does not have the expected shape. */
export function assertSpan(span: ReadableSpan | undefined, expected: ExpectedSpan): asserts span is ReadableSpan {
  if (!span) throw new Error(`span not found (expected ${String(expected.name ?? 'a span')})`);
  const problems = spanMismatches(span, expected);
  if (problems.length > 0) throw new Error(`span ${JSON.stringify(span.name)}: ${problems.join('; ')}`);
}
