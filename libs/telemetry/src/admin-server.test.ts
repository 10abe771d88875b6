import { describe, expect, it } from 'vitest';
import { Counter } from 'prom-client';
import { adminResponse, startAdminServer } from './admin-server.ts';
import { createMetricsRegistry } from './metrics.ts';

describe('adminResponse', () => {
  const registry = createMetricsRegistry();
  new Counter({ name: 'coredns_dns_requests_total', help: 'Counter of DNS requests made per zone.', registers: [registry] }).inc(2);
  const throwing = () => {
    throw new Error('no bus');
  };

  // Each row: method, URL, readiness, then the status and JSON body answered.
  it.each<[string, string, () => boolean, number, unknown]>([
    ['GET', '/healthz', () => false, 200, { status: 'ok' }],
    ['GET', '/readyz', () => false, 503, { status: 'not ready' }],
    ['GET', '/readyz', () => true, 200, { status: 'ready' }],
    ['GET', '/readyz?verbose=1', () => true, 200, { status: 'ready' }],
    // A readiness check that throws means not ready, not a 500 that a probe might misread.
    ['GET', '/readyz', throwing, 503, { status: 'not ready' }],
    ['GET', '/', () => true, 404, { status: 'not found' }],
    ['GET', '/healthz/', () => true, 404, { status: 'not found' }],
    ['POST', '/readyz', () => true, 405, { status: 'method not allowed' }],
  ])('%s %s → %d', async (method, url, isReady, code, body) => {
    const answer = await adminResponse(method, url, { registry, isReady });
    expect(answer.status).toBe(code);
    expect(answer.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(answer.body)).toEqual(body);
  });

  it('GET /metrics → Prometheus text with default and own metrics', async () => {
    const answer = await adminResponse('GET', '/metrics', { registry, isReady: () => true });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/plain/);
    expect(answer.body).toContain('coredns_dns_requests_total 2');
    expect(answer.body).toContain('process_cpu_user_seconds_total');
  });

  it('metrics that cannot be collected answer 500', async () => {
    const broken = { contentType: 'text/plain', metrics: () => Promise.reject(new Error('gone')) };
    const answer = await adminResponse('GET', '/metrics', { registry: broken, isReady: () => true });
    expect(answer.status).toBe(500);
  });
});

describe('startAdminServer (real HTTP)', () => {
  it('serves the routes on a free port and closes, even with a kept-alive scrape connection', async () => {
    let ready = false;
    const server = await startAdminServer({ host: '127.0.0.1', port: 0, registry: createMetricsRegistry(), isReady: () => ready });
    expect(server.port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    ready = true;
    const readyz = await fetch(`${base}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toEqual({ status: 'ready' });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toContain('process_cpu_user_seconds_total');
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
    await server.close();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('a port in use is an error', async () => {
    const first = await startAdminServer({ host: '127.0.0.1', port: 0, registry: createMetricsRegistry(), isReady: () => true });
    await expect(startAdminServer({ host: '127.0.0.1', port: first.port, registry: createMetricsRegistry(), isReady: () => true })).rejects.toThrow(
      /EADDRINUSE/,
    );
    await first.close();
  });
});
