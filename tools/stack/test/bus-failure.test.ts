// The bus failing under load, on three NATS servers with three replicas of every bucket: queries flow
// through the node cache while a Service changes every 100 ms, and the server that leads the halo-zone
// stream is killed; then the whole bus is down for 30 s; then the leading watcher and one server die
// together. What a user sees is asserted: no query fails, no answer goes back in time, every change
// reaches the node cache. The longest propagation is printed (tools/stack/README.md keeps the numbers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '@halo/kube';
import { query, waitFor, type NatsServer } from '@halo/testing';
import { startStack, type Stack } from '../src/index.ts';
import { headless, ipsOf, stream } from './load.ts';

let stack: Stack;
let core: CoreV1Api;
let discovery: DiscoveryV1Api;

const cache = () => ({ host: stack.dns.host, port: stack.cachePort });

interface StreamInfo {
  name: string;
  cluster?: { leader?: string };
  state: { last_seq: number };
}

/** The halo-zone stream as one server holds it (its own replica), or null. */
async function zoneOn(server: NatsServer): Promise<StreamInfo | null> {
  const jsz = (await (await fetch(`http://127.0.0.1:${server.monitorPort}/jsz?streams=true`)).json()) as {
    account_details?: { stream_detail?: StreamInfo[] }[];
  };
  return jsz.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name === 'KV_halo-zone') ?? null;
}

/** The server that leads the halo-zone stream now. */
async function zoneLeader(): Promise<NatsServer> {
  return waitFor(
    async () => {
      for (const server of stack.natsServers) {
        const leader = (await zoneOn(server).catch(() => null))?.cluster?.leader;
        const found = stack.natsServers.find((s) => s.name === leader);
        if (found) return found;
      }
      return null;
    },
    { timeoutMs: 20_000, message: 'no server leads KV_halo-zone' },
  );
}

/**
 * Changes `name` to 10.244.n.n for each n of `ns`, one every 100 ms (`at(n)` runs before change n), while
 * three workers ask the node cache for it and one for a name that does not change. Each change's
 * propagation: from its write to kube-sim to the first answer of the node cache that holds it or a later
 * one. Ends once the last change is answered.
 */
async function changeUnderLoad(name: string, change: (n: number) => Promise<void>, ns: number[], at: (n: number) => Promise<void> = async () => undefined) {
  const fqdn = `${name}.shop.svc.cluster.local`;
  const writtenAt = new Map<number, number>();
  const seenAt = new Map<number, number>();
  const older: string[] = [];
  let highest = 0;
  const last = ns[ns.length - 1] ?? 0;
  // The Service's first endpoint is answered before the load starts: a name not there yet is no failure.
  await waitFor(async () => ipsOf(await query(cache(), fqdn, 'A', { timeoutMs: 1_000 }))[0] === '10.244.1.1', {
    timeoutMs: 15_000,
    message: `${fqdn} never answered`,
  });
  const { sent, failures } = await stream(
    async () => {
      for (const n of ns) {
        await at(n);
        const started = performance.now();
        await change(n);
        writtenAt.set(n, started);
        await sleep(Math.max(0, 100 - (performance.now() - started)));
      }
      await waitFor(() => highest >= last, { timeoutMs: 60_000, intervalMs: 20, message: `the node cache never answered change ${last}` }).catch(
        (err: unknown) => {
          for (const server of stack.natsServers) console.log(`${server.name} pid ${server.pid}:\n${server.lines().slice(-8).join('\n')}`);
          throw err;
        },
      );
    },
    async (i) => {
      if (i % 4 === 3) {
        const r = await query(cache(), 'web.shop.svc.cluster.local', 'A', { timeoutMs: 1_000 });
        return r.rcode === 'NOERROR' && ipsOf(r).length > 0 ? null : `web.shop: ${r.rcode}, ${ipsOf(r).length} answers`;
      }
      const before = highest;
      const r = await query(cache(), fqdn, 'A', { timeoutMs: 1_000 });
      if (r.rcode !== 'NOERROR') return `${name}: ${r.rcode}`;
      const n = Number(ipsOf(r)[0]?.split('.')[3]);
      if (!(n >= before)) older.push(`answered 10.244.${n}.${n} after 10.244.${before}.${before}`);
      const now = performance.now();
      for (let m = highest + 1; m <= n; m++) if (!seenAt.has(m)) seenAt.set(m, now);
      highest = Math.max(highest, n);
      return null;
    },
    4,
  );
  const propagation = ns.map((n) => ({ n, ms: Math.round((seenAt.get(n) ?? Number.POSITIVE_INFINITY) - (writtenAt.get(n) ?? 0)) }));
  const longest = propagation.reduce((a, b) => (b.ms > a.ms ? b : a), { n: 0, ms: 0 });
  return { sent, failures, older, propagation, longest, answeredAt: (n: number) => seenAt.get(n) ?? Number.POSITIVE_INFINITY };
}

beforeAll(async () => {
  stack = await startStack({ answerers: 2, natsNodes: 3 });
  const kc = loadKubeConfig({ kubeServer: stack.kubeUrl });
  core = kc.makeApiClient(CoreV1Api);
  discovery = kc.makeApiClient(DiscoveryV1Api);
  await stack.processes.get('node-cache')?.handle.waitForLine(/"bus":"connected"/, 20_000);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the bus failing under load (three NATS servers)', () => {
  it('SIGKILL of the halo-zone stream leader: no query fails, every change arrives, the server catches up', async () => {
    expect(stack.busReplicas).toBe(3);
    const change = await headless(core, discovery, 'lead');
    const leader = await zoneLeader();
    const run = await changeUnderLoad(
      'lead',
      change,
      Array.from({ length: 60 }, (_, i) => i + 2),
      async (n) => {
        if (n === 20) await leader.kill();
      },
    );
    console.log(
      `leader ${leader.name} killed: ${run.sent} queries, longest propagation ${run.longest.ms} ms (change ${run.longest.n}), median ${median(run.propagation.map((p) => p.ms))} ms`,
    );
    expect(run.failures).toEqual([]);
    expect(run.older).toEqual([]);
    expect(run.propagation.filter((p) => !Number.isFinite(p.ms))).toEqual([]);
    expect(await zoneLeader()).not.toBe(leader);

    await leader.restart();
    const caughtUp = performance.now();
    await waitFor(
      async () => {
        const lead = await zoneOn(await zoneLeader());
        const mine = await zoneOn(leader);
        return lead && mine && mine.state.last_seq === lead.state.last_seq;
      },
      { timeoutMs: 30_000, message: `${leader.name} never caught up with the halo-zone stream` },
    );
    console.log(`${leader.name} restarted and caught up in ${Math.round(performance.now() - caughtUp)} ms`);
  }, 180_000);

  it('the whole bus down for 30 s: every name keeps answering, the changes made meanwhile arrive after', async () => {
    const change = await headless(core, discovery, 'dark');
    let downAt = 0;
    let upAt = 0;
    // 2: before; 3 to 5: while the bus is down (10 s apart); 6: after it is back.
    const run = await changeUnderLoad('dark', change, [2, 3, 4, 5, 6], async (n) => {
      if (n === 3) {
        await Promise.all(stack.natsServers.map((s) => s.kill()));
        downAt = performance.now();
      }
      if (n === 4 || n === 5) await sleep(10_000);
      if (n === 6) {
        await sleep(Math.max(0, 30_000 - (performance.now() - downAt)));
        await Promise.all(stack.natsServers.map((s) => s.restart()));
        upAt = performance.now();
      }
    });
    console.log(
      `bus down ${Math.round(upAt - downAt)} ms: ${run.sent} queries, the changes made meanwhile answered ${Math.round(run.answeredAt(5) - upAt)} ms after the bus was back`,
    );
    expect(run.failures).toEqual([]);
    expect(run.older).toEqual([]);
    expect(run.propagation.filter((p) => !Number.isFinite(p.ms))).toEqual([]);
  }, 240_000);

  it('the leading watcher and one NATS server killed together: changes go on arriving', async () => {
    const watcher = stack.processes.get('watcher');
    if (!watcher) throw new Error('no watcher in the stack');
    const args = [...watcher.args];
    args[args.indexOf('--identity') + 1] = 'watcher-1';
    await stack.spawn('watcher-1', watcher.entry, args);
    const change = await headless(core, discovery, 'both');
    const run = await changeUnderLoad(
      'both',
      change,
      Array.from({ length: 40 }, (_, i) => i + 2),
      async (n) => {
        if (n === 10) {
          const leader = await zoneLeader();
          await Promise.all([watcher.handle.kill('SIGKILL'), leader.kill()]);
        }
      },
    ).catch((err: unknown) => {
      console.log(`watcher-1's last lines:\n${(stack.processes.get('watcher-1')?.handle.lines ?? []).slice(-25).join('\n')}`);
      throw err;
    });
    console.log(`watcher-0 and the zone leader killed: ${run.sent} queries, longest propagation ${run.longest.ms} ms (change ${run.longest.n})`);
    expect(run.failures).toEqual([]);
    expect(run.older).toEqual([]);
    expect(run.propagation.filter((p) => !Number.isFinite(p.ms))).toEqual([]);
  }, 180_000);
});

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
