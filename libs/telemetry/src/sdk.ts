import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from './semconv.ts';

export interface TelemetryOptions {
  serviceName: string;
  serviceInstanceId?: string;
}

export interface Telemetry {
  /** True when the OpenTelemetry SDK was started (an exporter was configured). */
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

const EXPORTER_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_TRACES_EXPORTER'];

/** Whether the environment asks for trace export at all. */
export function isTracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return EXPORTER_VARIABLES.some((name) => (env[name] ?? '').trim() !== '');
}

/**
 * Starts the OpenTelemetry Node SDK configured by the standard OTEL_* variables (OTLP exporter by default).
 * Without an exporter variable it does nothing, so a developer's laptop does not try to reach localhost:4318.
 * Metrics and logs are not exported through OpenTelemetry unless their OTEL_*_EXPORTER says so:
 * metrics are Prometheus, logs are pino on stdout.
 */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (!isTracingConfigured()) return { enabled: false, shutdown: () => Promise.resolve() };
  const resourceAttributes: Record<string, string> = { [ATTR_SERVICE_NAME]: options.serviceName };
  if (options.serviceInstanceId) resourceAttributes[ATTR_SERVICE_INSTANCE_ID] = options.serviceInstanceId;
  // Loaded only when asked for: the SDK and its exporters cost ~45 MB of memory in every process.
  const { startNodeSdk } = await import('@opentelemetry/sdk-node');
  const sdk = startNodeSdk({
    resourceAttributes,
    ...(process.env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(process.env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
  });
  let stopped = false;
  return {
    enabled: true,
    shutdown: async () => {
      if (stopped) return;
      stopped = true;
      await sdk.shutdown();
    },
  };
}
