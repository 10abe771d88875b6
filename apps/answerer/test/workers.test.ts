// One answerer per core: workers share the DNS port, the primary serves readiness and summed metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, query, spawnProcess, startNatsServer, waitFor, type ChildHandle, type NatsServer } from '@halo/testing';

const main = new URL('../src/main.ts', import.meta.url).pathname;
let nats: NatsServer;
let answerer: ChildHandle;
let dnsPort: number;
let adminPort: number;

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  dnsPort = await freePort({ udp: true });
  adminPort = await freePort();
  answerer = await spawnProcess(main, ['--nats', nats.url, '--dns-host', '127.0.0.1', '--dns-port', String(dnsPort), '--admin-host', '127.0.0.1', '--admin-port', String(adminPort), '--workers', '2', '--instance', 'pool-a', '--corefile', new URL('./fixtures/Corefile', import.meta.url).pathname], { readyLine: /"ready":true/, timeoutMs: 60_000 });
});
afterAll(async () => {
  await answerer?.kill('SIGTERM');
  await nats?.stop();
});

describe('--workers', () => {
  it('answers on the shared port and sums the workers in /metrics', async () => {
    for (let i = 0; i < 20; i++) {
      const response = await query({ host: '127.0.0.1', port: dnsPort }, 'dns-version.cluster.local', 'TXT');
      expect(response.rcode).toBe('NOERROR');
    }
    expect((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const total = [...metrics.matchAll(/^coredns_dns_requests_total\{[^}]*type="TXT"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(total).toBe(20);
  });

  it('replaces a worker that dies, and the port keeps answering meanwhile', async () => {
    // Workers log JSON lines with their pid and instance name.
    const pid = Number(answerer.lines.map((l) => /"pid":(\d+),"instance":"pool-a-w0"/.exec(l)?.[1]).find(Boolean));
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 10; i++) {
      const response = await query({ host: '127.0.0.1', port: dnsPort }, 'dns-version.cluster.local', 'TXT', { timeoutMs: 500 }).catch(() => null);
      // A query that landed in the dead worker's socket is lost, as with any process that dies; the rest answer.
      if (response) expect(response.rcode).toBe('NOERROR');
    }
    await waitFor(() => answerer.lines.some((l) => l.includes('worker died; starting it again')));
    await waitFor(async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status === 200, { timeoutMs: 20_000 });
  });
});
