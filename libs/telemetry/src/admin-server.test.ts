import { afterAll, describe, expect, it } from 'vitest';
import { Counter } from 'prom-client';
import { buildAdminApp, startAdminServer } from './admin-server.ts';
import { createMetricsRegistry } from './metrics.ts';

describe('admin routes (inject)', () => {
  const registry = createMetricsRegistry();
  new Counter({ name: 'coredns_dns_requests_total', help: 'Counter of DNS requests made per zone.', registers: [registry] }).inc(2);
  let ready = false;
  const app = buildAdminApp({ registry, isReady: () => ready });
  afterAll(() => app.close());

  const cases = [
    { url: '/healthz', ready: false, status: 200, body: { status: 'ok' } },
    { url: '/readyz', ready: false, status: 503, body: { status: 'not ready' } },
    { url: '/readyz', ready: true, status: 200, body: { status: 'ready' } },
  ];
  it.each(cases)('GET $url with ready=$ready → $status', async (c) => {
    ready = c.ready;
    const response = await app.inject({ method: 'GET', url: c.url });
    expect(response.statusCode).toBe(c.status);
    expect(response.json()).toEqual(c.body);
  });

  it('a readiness check that throws answers 503', async () => {
    const failing = buildAdminApp({
      registry,
      isReady: () => {
        throw new Error('no bus');
      },
    });
    const response = await failing.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    await failing.close();
  });

  it('GET /metrics → Prometheus text with default and own metrics', async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toContain('coredns_dns_requests_total 2');
    expect(response.body).toContain('process_cpu_user_seconds_total');
  });
});

describe('startAdminServer (real HTTP)', () => {
  it('listens on a free port and closes', async () => {
    const server = await startAdminServer({ host: '127.0.0.1', port: 0, registry: createMetricsRegistry(), isReady: () => true });
    expect(server.port).toBeGreaterThan(0);
    const response = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    expect(response.status).toBe(200);
    await server.close();
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });
});
