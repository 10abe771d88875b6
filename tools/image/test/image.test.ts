// The image, built here as `npm run image -- --debootstrap` builds it (buildah, bases made from Debian's
// packages), then used as a cluster would: each app's --help inside it, the UDP addon loading, and the
// watcher, an answerer, a node cache and the config service from the image against a real nats-server
// and kube-sim on the host (buildah runs them on the host's network), answering real DNS queries.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeadmCorefile } from '@halo/corefile';
import {
  freePort,
  query,
  spawnProcess,
  startKubeSim,
  startNatsServer,
  waitFor,
  type ChildHandle,
  type DnsResponse,
  type KubeSim,
  type NatsServer,
} from '@halo/testing';
import { APPS } from '../src/bundle.ts';
import { buildImage, type BuiltImage } from '../src/build.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TAG = 'localhost/halo-dns/halo:test';

function whyNot(): string | null {
  if (process.getuid?.() !== 0) return 'not root: buildah builds and runs the image here as root';
  for (const [tool, hint] of [
    ['buildah', 'Debian: apt-get install buildah'],
    ['debootstrap', 'Debian: apt-get install debootstrap'],
  ]) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      return `\`${tool}\` is not installed (${hint}; .ci/run installs both)`;
    }
  }
  return null;
}

const reason = whyNot();
if (reason) console.warn(`skipping the image test: ${reason}`);

/** The addresses of an answer's A records. */
const addresses = (r: DnsResponse) => (r.answers ?? []).flatMap((a) => ('data' in a && typeof a.data === 'string' ? [a.data] : []));
const buildah = (...args: string[]) => execFileSync('buildah', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

describe.skipIf(reason !== null)('the image', () => {
  const id = randomBytes(3).toString('hex');
  const containers: string[] = [];
  const running: ChildHandle[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'halo-image-'));
  // The apps in the image run as an unprivileged user: they read what the test writes here.
  chmodSync(dir, 0o755);
  let built: BuiltImage;
  let nats: NatsServer;
  let sim: KubeSim;

  /** A fresh working container of the image (each long-running app gets its own). */
  const container = () => {
    const name = buildah('from', '--name', `halo-test-${id}-${containers.length}`, TAG);
    containers.push(name);
    return name;
  };
  const inImage = (ctr: string, ...args: string[]) => buildah('run', '--isolation', 'chroot', ctr, '--', ...args);
  /** Starts an app from the image on the host's network; resolves once it says it is ready. */
  const startInImage = async (app: string, args: string[], env: Record<string, string> = {}) => {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
    const handle = await spawnProcess(
      'buildah',
      ['run', '--isolation', 'chroot', '--volume', `${dir}:/etc/halo-test:ro`, ...envArgs, container(), '--', 'halo', app, ...args],
      {
        readyLine: /"ready":true/,
        timeoutMs: 120_000,
      },
    );
    running.push(handle);
    return handle;
  };

  beforeAll(async () => {
    built = await buildImage({ root, tag: TAG, debootstrap: true, output: 'collect', log: (line) => console.log(`image test: ${line}`) });
    nats = await startNatsServer({ jetstream: true });
    sim = await startKubeSim({ port: 0, host: '127.0.0.1', seedFiles: [join(root, 'deploy/examples/demo-cluster.yaml')] });
  }, 1_200_000);

  afterAll(async () => {
    for (const handle of running.reverse()) await handle.kill('SIGTERM').catch(() => undefined);
    for (const ctr of containers) {
      try {
        buildah('rm', ctr);
      } catch {
        // already gone
      }
    }
    await sim?.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is built by buildah from the Containerfile, and its size is known', () => {
    expect(built.engine).toBe('buildah');
    expect(built.size).toBeGreaterThan(0);
    console.log(`image test: ${TAG} is ${((built.size ?? 0) / 1e6).toFixed(0)} MB`);
  });

  it.each(APPS)('halo %s --help prints its usage and exits 0', (app) => {
    expect(inImage(container(), 'halo', app, '--help')).toMatch(new RegExp(`^Usage: halo-${app} \\[options\\]`));
  });

  it('names the apps on `halo` alone, and refuses an unknown one with exit code 2', () => {
    const ctr = container();
    expect(inImage(ctr, 'halo')).toContain('node-cache');
    let code = 0;
    try {
      inImage(ctr, 'halo', 'coredns');
    } catch (error) {
      code = (error as { status: number }).status;
    }
    expect(code).not.toBe(0);
  });

  it('runs as an unprivileged user, with iptables (both back ends) and ip for the node cache', () => {
    const ctr = container();
    expect(inImage(ctr, 'id', '-u')).toBe('65532');
    expect(inImage(ctr, 'iptables-legacy', '--version')).toMatch(/legacy/);
    expect(inImage(ctr, 'iptables-nft', '--version')).toMatch(/nf_tables/);
    expect(inImage(ctr, 'ip', '-V')).toMatch(/iproute2/);
  });

  it("loads the UDP addon with the image's Node", () => {
    expect(inImage(container(), 'node', '-e', "const m = require('/opt/halo/assets/udp.node'); console.log(typeof m.bind, m.BATCH)")).toMatch(/^function \d+$/);
  });

  it('the watcher, an answerer, a node cache and the config service from the image answer real queries', async () => {
    const dnsPort = await freePort({ udp: true });
    const cachePort = await freePort({ udp: true });
    const [health, ready, metrics] = [await freePort(), await freePort(), await freePort()];
    // kubeadm's Corefile, its side ports moved to free ones on loopback.
    writeFileSync(
      join(dir, 'Corefile'),
      kubeadmCorefile
        .replace(/health \{\s*lameduck \S+\s*\}/, `health 127.0.0.1:${health}`)
        .replace(/^(\s*)ready$/m, `$1ready 127.0.0.1:${ready}`)
        .replace('prometheus :9153', `prometheus 127.0.0.1:${metrics}`),
    );
    const common = ['--nats', nats.url, '--admin-host', '127.0.0.1', '--admin-port', '0'];
    await startInImage('watcher', [...common, '--kube-server', sim.url, '--identity', `image-${id}`]);
    const answerer = await startInImage('answerer', [
      ...common,
      '--corefile',
      '/etc/halo-test/Corefile',
      '--dns-host',
      '127.0.0.1',
      '--dns-port',
      String(dnsPort),
      '--workers',
      '1',
      '--instance',
      `image-${id}`,
    ]);
    await waitFor(
      async () =>
        ((await query({ host: '127.0.0.1', port: dnsPort }, 'kubernetes.default.svc.cluster.local', 'A', { timeoutMs: 500 }).catch(() => null))?.answers
          ?.length ?? 0) > 0,
      {
        timeoutMs: 60_000,
        message: 'the answerer from the image never answered kubernetes.default.svc.cluster.local',
      },
    );
    const answer = await query({ host: '127.0.0.1', port: dnsPort }, 'kubernetes.default.svc.cluster.local', 'A');
    expect(addresses(answer)).toEqual(['10.96.0.1']);
    // The batched UDP I/O: the server warns when it falls back to node:dgram.
    expect(answerer.lines.filter((l) => l.includes('node:dgram'))).toEqual([]);
    const scraped = await fetch(`http://127.0.0.1:${metrics}/metrics`).then((r) => r.text());
    expect(scraped).toContain('coredns_dns_requests_total');

    await startInImage('node-cache', [
      '--nats',
      nats.url,
      '--listen',
      `127.0.0.1:${cachePort}`,
      '--answerers',
      `127.0.0.1:${dnsPort}`,
      '--instance',
      `image-${id}`,
    ]);
    const cached = await query({ host: '127.0.0.1', port: cachePort }, 'kubernetes.default.svc.cluster.local', 'A', { timeoutMs: 2_000 });
    expect(addresses(cached)).toEqual(['10.96.0.1']);

    const configPort = await freePort();
    await startInImage('config', [...common, '--kube-server', sim.url, '--host', '127.0.0.1', '--port', String(configPort)], {
      HALO_CONFIG_TOKEN: `image-${id}`,
    });
    const page = await fetch(`http://127.0.0.1:${configPort}/`);
    expect(page.status).toBe(200);
    // The security headers (helmet) work in the bundle too.
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
    expect(await page.text()).toContain('<html');
    const openapi = await fetch(`http://127.0.0.1:${configPort}/openapi.json`);
    expect(openapi.status).toBe(200);
  });
});
