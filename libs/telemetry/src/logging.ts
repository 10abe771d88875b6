import { pino } from 'pino';
import type { Logger } from 'pino';
import { trace } from '@opentelemetry/api';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const level = (env.LOG_LEVEL ?? '').trim().toLowerCase();
  return LEVELS.has(level) ? level : 'info';
}

/**
 * A pino logger writing JSON lines to stdout, level from LOG_LEVEL (default info).
 * Each line logged inside a span carries trace_id and span_id, so logs and traces can be joined.
 */
export function createLogger(name: string, bindings: object = {}): Logger {
  return pino({
    name,
    level: logLevelFromEnv(),
    base: { pid: process.pid, ...bindings },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  });
}
