import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { trace } from '@opentelemetry/api';
import { startTelemetry, tracer } from '../src/index.ts';
import { isQueryTracingConfigured } from '../src/sdk.ts';

const VARS = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_TRACES_EXPORTER',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_TRACES_SAMPLER',
  'OTEL_SERVICE_NAME',
];

describe('isQueryTracingConfigured', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
  it.each([
    { env: {}, expected: false },
    { env: { OTEL_TRACES_SAMPLER: 'always_on' }, expected: false },
    { env: endpoint, expected: false },
    { env: { ...endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' }, expected: true },
    { env: { ...endpoint, OTEL_TRACES_SAMPLER: ' always_on ' }, expected: true },
    { env: { ...endpoint, OTEL_TRACES_SAMPLER: 'always_off' }, expected: false },
    { env: { ...endpoint, OTEL_TRACES_SAMPLER: 'parentbased_always_off' }, expected: false },
  ])('$env → $expected', ({ env, expected }) => {
    expect(isQueryTracingConfigured(env)).toBe(expected);
  });
});

describe('startTelemetry', () => {
  const saved = Object.fromEntries(VARS.map((name) => [name, process.env[name]]));
  afterEach(() => {
    for (const name of VARS) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('is a no-op without OTEL exporter variables', async () => {
    for (const name of VARS) delete process.env[name];
    const telemetry = await startTelemetry({ serviceName: 'halo-test' });
    expect(telemetry.enabled).toBe(false);
    const span = tracer.startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    span.end();
    await telemetry.shutdown();
  });

  it('exports spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const requests: { url: string; body: Buffer }[] = [];
    const collector = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        requests.push({ url: request.url ?? '', body: Buffer.concat(chunks) });
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const address = collector.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;

    const telemetry = await startTelemetry({ serviceName: 'halo-test', serviceInstanceId: 'pod-1' });
    expect(telemetry.enabled).toBe(true);
    const span = tracer.startSpan('query web.shop.svc.cluster.local');
    expect(span.isRecording()).toBe(true);
    span.end();
    await telemetry.shutdown(); // flushes the batch
    await new Promise((resolve) => collector.close(resolve));

    const traces = requests.filter((r) => r.url === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    const body = Buffer.concat(traces.map((r) => r.body)).toString('latin1');
    expect(body).toContain('halo-test');
    expect(body).toContain('pod-1');
    expect(body).toContain('query web.shop.svc.cluster.local');
    // No metrics exporter by default: metrics are Prometheus.
    expect(requests.some((r) => r.url === '/v1/metrics')).toBe(false);
    trace.disable();
  });
});
