// A cold start at cluster size: kube-sim seeded with the generated 10 000 Services / 100 000 endpoints,
// then the watcher, two answerers and a node cache all started at once, as the pods of a new cluster.
// Existing names are asked for at the answerer pool and through the node cache all along: no answer
// may deny one (NXDOMAIN, or NODATA for an A that exists), at any time.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, query, spawnProcess, startNatsServer, waitFor, type ChildHandle, type NatsServer } from '@halo/testing';
import { generateCluster, manifestsOf, serviceName } from '../src/cluster.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = (path: string) => join(root, path);
const host = '127.0.0.1';

let nats: NatsServer | undefined;
const children: ChildHandle[] = [];
let dir: string | undefined;

afterAll(async () => {
  for (const child of children.reverse()) await child.kill('SIGKILL');
  await nats?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Seen {
  /** Answers with the name's addresses. */
  answered: number;
  /** NXDOMAIN, or NOERROR without an address: a denial of a name that exists. */
  denied: string[];
  /** SERVFAIL or no answer in time: allowed while the zone is not complete. */
  notYet: number;
}

describe('a cold start at 10 000 Services', () => {
  it('denies no existing name, at the answerer pool or through the node cache, from the first answer on', async () => {
    const cluster = generateCluster({ services: 10_000, endpoints: 100_000 });
    dir = await mkdtemp(join(tmpdir(), 'halo-cold-start-'));
    const manifests = join(dir, 'manifests.json');
    await writeFile(manifests, manifestsOf(cluster));
    // Names that answer A: every ClusterIP Service, and headless ones with a ready endpoint. The last
    // one generated, and a spread of the others (the watcher writes in no promised order).
    const answering = cluster.services.filter((s) => !s.headless || s.endpoints.some((e) => e.ready));
    const step = Math.floor(answering.length / 200);
    const probes = [...answering.slice(-1), ...answering.filter((_, i) => i % step === 0)].map((s) => serviceName(cluster, s));

    const bus = await startNatsServer({ jetstream: true });
    nats = bus;
    const kubePort = await freePort();
    const dnsPort = await freePort({ udp: true });
    const cachePort = await freePort({ udp: true });
    const spawn = async (path: string, args: string[], readyLine = /"ready":true/) => {
      const child = await spawnProcess(entry(path), args, { readyLine, timeoutMs: 240_000, env: { ...process.env, LOG_LEVEL: 'warn' } });
      children.push(child);
      return child;
    };
    await spawn('tools/kube-sim/src/main.ts', ['--port', String(kubePort), '--host', host, '--seed', manifests]);

    const seen = new Map<string, Seen>();
    const record = (where: string, name: string, response: Awaited<ReturnType<typeof query>> | null) => {
      const s = seen.get(where) ?? { answered: 0, denied: [], notYet: 0 };
      seen.set(where, s);
      if (!response || response.rcode === 'SERVFAIL') s.notYet++;
      else if (response.rcode === 'NOERROR' && (response.answers ?? []).some((a) => a.type === 'A')) s.answered++;
      else s.denied.push(`${response.rcode} with ${(response.answers ?? []).length} answers for ${name}`);
    };
    let asking = true;
    const ask = async (port: number, where: string, offset: number) => {
      for (let i = offset; asking; i++) {
        const name = probes[i % probes.length] ?? '';
        record(where, name, await query({ host, port }, name, 'A', { timeoutMs: 500 }).catch(() => null));
      }
    };
    // Several askers at each address, before anything of Halo DNS runs.
    const askers = [0, 1, 2, 3].flatMap((k) => [ask(dnsPort, 'answerers', k * 50), ask(cachePort, 'node cache', k * 50 + 25)]);

    // Every process at once.
    await Promise.all([
      spawn('apps/watcher/src/main.ts', [
        '--nats',
        bus.url,
        '--kube-server',
        `http://${host}:${kubePort}`,
        '--admin-host',
        host,
        '--admin-port',
        '0',
        '--identity',
        'watcher-0',
        '--lease-duration',
        '4',
      ]),
      ...[0, 1].map((i) =>
        spawn('apps/answerer/src/main.ts', [
          '--nats',
          bus.url,
          '--dns-host',
          host,
          '--dns-port',
          String(dnsPort),
          '--admin-host',
          host,
          '--admin-port',
          '0',
          '--instance',
          `answerer-${i}`,
          '--workers',
          '1',
        ]),
      ),
      spawn('apps/node-cache/src/main.ts', [
        '--listen',
        `${host}:${cachePort}`,
        '--answerers',
        `${host}:${dnsPort}`,
        '--nats',
        bus.url,
        '--instance',
        'node-cache-0',
        '--upstream',
        '127.0.0.1:9',
      ]),
    ]);

    // Until every probe has answered at both addresses.
    const pending = new Set(probes.flatMap((name) => [`${dnsPort} ${name}`, `${cachePort} ${name}`]));
    await waitFor(
      async () => {
        for (const key of [...pending]) {
          const [port, name] = key.split(' ') as [string, string];
          const response = await query({ host, port: Number(port) }, name, 'A', { timeoutMs: 1_000 }).catch(() => null);
          record(Number(port) === dnsPort ? 'answerers' : 'node cache', name, response);
          if (response?.rcode === 'NOERROR' && (response.answers?.length ?? 0) > 0) pending.delete(key);
        }
        return pending.size === 0;
      },
      { timeoutMs: 240_000, intervalMs: 200, message: 'not every probe answered' },
    );
    asking = false;
    await Promise.all(askers);

    for (const where of ['answerers', 'node cache']) {
      const s = seen.get(where) ?? { answered: 0, denied: [], notYet: 0 };
      expect(s.denied.length, `${where} denied names that exist, e.g. ${s.denied.slice(0, 5).join('; ')}`).toBe(0);
      expect(s.answered).toBeGreaterThanOrEqual(probes.length);
    }
    // The node cache was asked before the zone was complete: the window was there, and it denied nothing.
    expect(seen.get('node cache')?.notYet).toBeGreaterThan(0);
  }, 300_000);
});
