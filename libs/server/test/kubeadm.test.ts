import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { kubeadmCorefile } from '@halo/corefile';
import { resolver as nodeResolver } from '@halo/testing';
import { loadServer } from '../src/index.ts';
import { MemoryRecordSets, service } from './helpers.ts';

const kubeadm = kubeadmCorefile;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}

// The Corefile binds fixed ports (8080, 8181, 9153): when something else holds one, skip.
const free = (await Promise.all([8080, 8181, 9153].map(portFree))).every(Boolean);

it.skipIf(!free)('loads the kubeadm Corefile unchanged, answers, serves health/ready/metrics, reloads', async () => {
  // `loop` sends its probe through `forward . /etc/resolv.conf` at start: keep it on loopback.
  const dir = await mkdtemp(join(tmpdir(), 'halo-kubeadm-'));
  const resolvConf = join(dir, 'resolv.conf');
  await writeFile(resolvConf, 'nameserver 127.0.0.1\n');
  const r = await loadServer(kubeadm, {
    context: { recordSets: new MemoryRecordSets([service('shop', 'web', { clusterIPs: ['10.96.0.10'] })]), resolvConf },
    listen: { host: '127.0.0.1', port: 0 },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  try {
    const resolver = nodeResolver(r.server.addresses()[0].port, { timeoutMs: 1000 });
    expect(await resolver.resolve4('web.shop.svc.cluster.local')).toEqual(['10.96.0.10']);
    expect((await fetch('http://127.0.0.1:8080/health')).status).toBe(200);
    expect((await fetch('http://127.0.0.1:8181/ready')).status).toBe(200);
    const scrape = await (await fetch('http://127.0.0.1:9153/metrics')).text();
    expect(scrape).toContain('plugin="kubernetes"');
    // CoreDNS 1.14.7's process series, and coredns_plugin_enabled for the plugins it lists for this Corefile
    // (not health, ready, reload: they have no place in its chain).
    const port = r.server.addresses()[0].port;
    expect(scrape).toMatch(/^coredns_build_info\{version="[^"]+",revision="",goversion="v[^"]+"\} 1$/m);
    expect(scrape).toMatch(/^coredns_panics_total 0$/m);
    expect(scrape).toMatch(/^coredns_forward_healthcheck_broken_total 0$/m);
    expect(scrape).toMatch(/^coredns_forward_max_concurrent_rejects_total 0$/m);
    const enabled = [...scrape.matchAll(/^coredns_plugin_enabled\{server="([^"]*)",zone="([^"]*)",view="",name="([^"]*)"\} 1$/gm)].map(
      (m) => `${m[1]} ${m[2]} ${m[3]}`,
    );
    expect(enabled.sort()).toEqual(
      ['cache', 'errors', 'forward', 'kubernetes', 'loadbalance', 'loop', 'prometheus'].map((n) => `dns://127.0.0.1:${port} . ${n}`),
    );
    expect((await r.server.reload(kubeadm)).ok).toBe(true);
    expect(await resolver.resolve4('web.shop.svc.cluster.local')).toEqual(['10.96.0.10']);
  } finally {
    await r.server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
