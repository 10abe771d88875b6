import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from './semconv.ts';

export interface TelemetryOptions {
  serviceName: string;
  serviceInstanceId?: string;
}

export interface Telemetry {
  /** True when the OpenTelemetry SDK was started (an exporter was configured). */
  readonly enabled: boolean;
  /** True when DNS queries get spans too (`OTEL_TRACES_SAMPLER` set; see `isQueryTracingConfigured`). */
  readonly queryTracing: boolean;
  shutdown(): Promise<void>;
}

const EXPORTER_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_TRACES_EXPORTER'];

/** Whether the environment asks for trace export at all. */
export function isTracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return EXPORTER_VARIABLES.some((name) => (env[name] ?? '').trim() !== '');
}

const SAMPLERS_OFF = new Set(['always_off', 'parentbased_always_off']);

/**
 * Whether DNS queries get spans: only when tracing is on and `OTEL_TRACES_SAMPLER` is set to a sampler
 * that samples (e.g. `parentbased_traceidratio` with `OTEL_TRACES_SAMPLER_ARG=0.01`). Without it only
 * changes are traced (the SDK's default sampler records every change trace), and a query costs no span.
 */
export function isQueryTracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  const sampler = (env.OTEL_TRACES_SAMPLER ?? '').trim().toLowerCase();
  return isTracingConfigured(env) && sampler !== '' && !SAMPLERS_OFF.has(sampler);
}

/**
 * Starts the OpenTelemetry Node SDK configured by the standard OTEL_* variables (OTLP exporter by default).
 * Without an exporter variable it does nothing, so a developer's laptop does not try to reach localhost:4318.
 * Metrics and logs are not exported through OpenTelemetry unless their OTEL_*_EXPORTER says so:
 * metrics are Prometheus, logs are pino on stdout.
 */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (!isTracingConfigured()) return { enabled: false, queryTracing: false, shutdown: () => Promise.resolve() };
  // OTEL_SERVICE_NAME, where set (the manifests set it), names the service; OTEL_RESOURCE_ATTRIBUTES adds
  // k8s.pod.name and k8s.node.name.
  const resourceAttributes: Record<string, string> = process.env.OTEL_SERVICE_NAME?.trim() ? {} : { [ATTR_SERVICE_NAME]: options.serviceName };
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
    queryTracing: isQueryTracingConfigured(),
    shutdown: async () => {
      if (stopped) return;
      stopped = true;
      await sdk.shutdown();
    },
  };
}
