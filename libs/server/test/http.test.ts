import { afterAll, expect, it } from 'vitest';
import { loadServer, type DnsServer } from '../src/index.ts';
import { decode, freePort, MemoryRecordSets, query, service, udpExchange } from './helpers.ts';

const servers: DnsServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

it('serves /health, /ready (after the record sets sync) and /metrics; a reload keeps the ports', async () => {
  const [health, ready, metrics] = [await freePort(), await freePort(), await freePort()];
  const source = new MemoryRecordSets([service('shop', 'web', { clusterIPs: ['10.96.0.10'] })]);
  source.synced = false;
  const corefile = `cluster.local:53 {
    health 127.0.0.1:${health} {
        lameduck 5s
    }
    ready 127.0.0.1:${ready}
    prometheus 127.0.0.1:${metrics}
    kubernetes
}
`;
  const r = await loadServer(corefile, { context: { recordSets: source }, listen: { host: '127.0.0.1', port: 0 } });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  servers.push(r.server);
  const get = async (port: number, path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  };
  expect(await get(health, '/health')).toEqual({ status: 200, body: 'OK' });
  expect(await get(ready, '/ready')).toEqual({ status: 503, body: 'kubernetes' });
  source.synced = true;
  expect(await get(ready, '/ready')).toEqual({ status: 200, body: 'OK' });

  await udpExchange(r.server.addresses()[0].port, query('web.shop.svc.cluster.local', 'A'));
  expect((await get(metrics, '/metrics')).body).toContain('coredns_dns_requests_total{');

  expect((await r.server.reload(corefile)).ok).toBe(true);
  expect((await get(health, '/health')).status).toBe(200);
  expect((await get(ready, '/ready')).status).toBe(200);
});

it('health lameduck: a draining server answers DNS and /health as usual for the lameduck, then stops', async () => {
  const health = await freePort();
  const source = new MemoryRecordSets([service('shop', 'web', { clusterIPs: ['10.96.0.10'] })]);
  const corefile = `cluster.local:53 {\n    health 127.0.0.1:${health} {\n        lameduck 400ms\n    }\n    kubernetes\n}\n`;
  const r = await loadServer(corefile, { context: { recordSets: source }, listen: { host: '127.0.0.1', port: 0 } });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const port = r.server.addresses()[0].port;
  const draining = r.server.drain();
  let stopped = false;
  void draining.then(() => (stopped = true));
  // Within the lameduck: still answering, still healthy.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(stopped).toBe(false);
  expect(decode(await udpExchange(port, query('web.shop.svc.cluster.local', 'A'))).answers).toHaveLength(1);
  expect((await fetch(`http://127.0.0.1:${health}/health`)).status).toBe(200);
  await draining;
  // After it: the DNS port and the health port are closed.
  expect(await udpExchange(port, query('web.shop.svc.cluster.local', 'A'), 300)).toBeNull();
  await expect(fetch(`http://127.0.0.1:${health}/health`)).rejects.toThrow();
});

it('binds health, ready and prometheus without a host in the Corefile where the instance says (its --admin-host)', async () => {
  const [health, ready, metrics] = [await freePort(), await freePort(), await freePort()];
  const corefile = `cluster.local:53 {\n    health :${health}\n    ready :${ready}\n    prometheus :${metrics}\n    kubernetes\n}\n`;
  const r = await loadServer(corefile, { context: { recordSets: new MemoryRecordSets(), httpHost: '127.0.0.2' }, listen: { host: '127.0.0.1', port: 0 } });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  servers.push(r.server);
  for (const [port, path] of [
    [health, '/health'],
    [ready, '/ready'],
    [metrics, '/metrics'],
  ] as const) {
    expect((await fetch(`http://127.0.0.2:${port}${path}`)).status).toBe(200);
    // Not on every address: another loopback address of the same host gets no answer.
    await expect(fetch(`http://127.0.0.1:${port}${path}`)).rejects.toThrow();
  }
});
