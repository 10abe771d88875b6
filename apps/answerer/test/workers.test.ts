// One answerer per core: workers share the DNS port, the primary serves readiness and summed metrics.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, ZoneWriter } from '@halo/bus';
import { freePort, query, spawnProcess, startNatsServer, waitFor, type ChildHandle, type NatsServer } from '@halo/testing';

const main = new URL('../src/main.ts', import.meta.url).pathname;
let nats: NatsServer;
let answerer: ChildHandle;
let dnsPort: number;
let adminPort: number;
let metricsPort: number;
let dir: string;

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  await markEmptyZoneComplete(nats.url);
  dnsPort = await freePort({ udp: true });
  adminPort = await freePort();
  metricsPort = await freePort();
  // The Corefile's `prometheus` port, shared by the workers (SO_REUSEPORT) like CoreDNS's :9153.
  dir = await mkdtemp(join(tmpdir(), 'halo-workers-'));
  const corefile = join(dir, 'Corefile');
  await writeFile(corefile, (await readFile(new URL('./fixtures/Corefile.tmpl', import.meta.url), 'utf8')).replace('METRICS_PORT', String(metricsPort)));
  answerer = await spawnProcess(
    main,
    [
      '--nats',
      nats.url,
      '--dns-host',
      '127.0.0.1',
      '--dns-port',
      String(dnsPort),
      '--admin-host',
      '127.0.0.1',
      '--admin-port',
      String(adminPort),
      '--workers',
      '2',
      '--instance',
      'pool-a',
      '--corefile',
      corefile,
    ],
    { readyLine: /"ready":true/, timeoutMs: 60_000 },
  );
});
/** An answerer binds only on a complete zone: what a watcher writes after syncing an empty cluster. */
async function markEmptyZoneComplete(url: string): Promise<void> {
  const nc = await connectBus({ servers: url, name: 'test-watcher' });
  await (await ZoneWriter.open(nc)).markComplete({ revision: 0, keys: 0, writer: 'test' });
  await nc.close();
}

afterAll(async () => {
  await answerer?.kill('SIGTERM');
  await nats?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('--workers', () => {
  it('answers on the shared port and sums the workers in /metrics', async () => {
    for (let i = 0; i < 20; i++) {
      const response = await query({ host: '127.0.0.1', port: dnsPort }, 'dns-version.cluster.local', 'TXT');
      expect(response.rcode).toBe('NOERROR');
    }
    expect((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status).toBe(200);
    const txt = (metrics: string) => [...metrics.matchAll(/^coredns_dns_requests_total\{[^}]*type="TXT"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(txt(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text())).toBe(20);
    // The prometheus port too, whichever worker takes each scrape (new connections, spread by the kernel).
    for (let i = 0; i < 6; i++) {
      const scrape = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { connection: 'close' } })).text();
      expect(txt(scrape)).toBe(20);
      // CoreDNS's process-wide series, once per answerer, not once per worker.
      expect(scrape).toMatch(/^coredns_build_info\{version="[^"]+",revision="",goversion="v\d+[^"]*"\} 1$/m);
      expect(scrape).toMatch(/^coredns_panics_total 0$/m);
      for (const name of ['errors', 'prometheus', 'kubernetes', 'cache']) {
        expect(scrape).toContain(`coredns_plugin_enabled{server="dns://127.0.0.1:${dnsPort}",zone=".",view="",name="${name}"} 1`);
      }
    }
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
