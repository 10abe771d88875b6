// The stack as deployed: the node cache knows each answerer's own address, fails over between them when
// one stops, and never answers older than it has answered (monotonic reads), under a steady stream of
// queries from a real DNS client while Services change in kube-sim.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '@halo/kube';
import { query, waitFor } from '@halo/testing';
import { startStack, type Stack } from '../src/index.ts';
import { headless as headlessIn, ipsOf, stream } from './load.ts';

let stack: Stack;
let core: CoreV1Api;
let discovery: DiscoveryV1Api;

const warnings = () =>
  (stack.processes.get('node-cache')?.handle.lines ?? [])
    .filter((l) => /"level":[45]/.test(l))
    .slice(-12)
    .join('\n');
const headless = (name: string) => headlessIn(core, discovery, name);
const cache = () => ({ host: stack.dns.host, port: stack.cachePort });

/** SIGSTOP to an answerer for `ms`, then SIGCONT: a process that hangs (GC, CPU starved, a frozen node) and comes back. */
async function pause(name: string, ms: number): Promise<void> {
  const pid = stack.processes.get(name)?.handle.pid;
  if (pid === undefined) throw new Error(`the stack has no process ${name}`);
  process.kill(pid, 'SIGSTOP');
  try {
    await sleep(ms);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

/**
 * A TCP relay between one answerer and nats-server that the test can hold: the answerer keeps answering
 * DNS while its KV watch gets nothing (a partition between it and the bus), so its zone falls behind.
 */
async function busRelay(target: URL): Promise<{ url: string; hold(): void; release(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let held = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => sockets.delete(from));
    }
    if (held) for (const s of [client, upstream]) s.pause();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `nats://127.0.0.1:${port}`,
    hold: () => {
      held = true;
      for (const s of sockets) s.pause();
    },
    release: () => {
      held = false;
      for (const s of sockets) s.resume();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers for `name` through the node cache while `during` runs; every one older than what was answered before it was asked, and every failure. */
async function watchAnswers(name: string, during: () => Promise<void>) {
  let highest = 0;
  const older: string[] = [];
  const { sent, failures } = await stream(
    during,
    async () => {
      const before = highest;
      const r = await query(cache(), name, 'A', { timeoutMs: 1_000 });
      if (r.rcode !== 'NOERROR') return `${name}: ${r.rcode}`;
      const n = Number(ipsOf(r)[0]?.split('.')[3]);
      if (!(n >= before)) older.push(`answered ${ipsOf(r).join()} after 10.244.${before}.${before}`);
      highest = Math.max(highest, n);
      return null;
    },
    3,
  );
  if (failures.length > 0 || older.length > 0) console.log(`the node cache's last warnings:\n${warnings()}`);
  return { sent, failures, older, highest };
}

beforeAll(async () => {
  stack = await startStack({ answerers: 2 });
  const kc = loadKubeConfig({ kubeServer: stack.kubeUrl });
  core = kc.makeApiClient(CoreV1Api);
  discovery = kc.makeApiClient(DiscoveryV1Api);
  await stack.processes.get('node-cache')?.handle.waitForLine(/"bus":"connected"/, 20_000);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the stack as deployed', () => {
  it('gives the node cache each answerer on an address of its own, and each answers there', async () => {
    expect(stack.answerers).toHaveLength(2);
    expect(new Set([stack.dns.port, ...stack.answerers.map((a) => a.port)]).size).toBe(3);
    for (const a of stack.answerers) expect(ipsOf(await query(a, 'web.shop.svc.cluster.local', 'A', { timeoutMs: 2_000 }))).toEqual(['10.96.10.10']);
    const args = stack.processes.get('node-cache')?.args ?? [];
    expect(args[args.indexOf('--answerers') + 1]).toBe(stack.answerers.map((a) => `${a.host}:${a.port}`).join(','));
  });

  it('answers every query within 1 s while one of two answerers stops for 0.4 s during each of 12 changes', async () => {
    const change = await headless('flap');
    const name = 'flap.shop.svc.cluster.local';
    await waitFor(async () => ipsOf(await query(cache(), name, 'A', { timeoutMs: 1_000 })).join() === '10.244.1.1', {
      timeoutMs: 15_000,
      message: `${name} never answered at the node cache`,
    });
    const { sent, failures } = await stream(
      async () => {
        for (let n = 2; n <= 13; n++) {
          const stopped = pause(`answerer-${n % 2}`, 400);
          await change(n);
          await stopped;
          await waitFor(async () => ipsOf(await query(cache(), name, 'A', { timeoutMs: 1_000 })).join() === `10.244.${n}.${n}`, {
            timeoutMs: 10_000,
            message: `change ${n} never reached the node cache`,
          });
        }
      },
      // Names never asked before miss the cache and go to the pool; the changed name misses after each change.
      async (i) => {
        const asked = i % 2 === 0 ? name : `nx-${i}.shop.svc.cluster.local`;
        const r = await query(cache(), asked, 'A', { timeoutMs: 1_000 });
        const expected = asked === name ? 'NOERROR' : 'NXDOMAIN';
        return r.rcode === expected ? null : `${asked}: ${r.rcode}`;
      },
    );
    if (failures.length > 0) console.log(`the node cache's last warnings:\n${warnings()}`);
    expect(sent).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });

  it('never answers older than it has answered, while an answerer stopped during changes comes back behind', async () => {
    const change = await headless('mono');
    const name = 'mono.shop.svc.cluster.local';
    await waitFor(async () => ipsOf(await query(cache(), name, 'A', { timeoutMs: 1_000 })).join() === '10.244.1.1', {
      timeoutMs: 15_000,
      message: `${name} never answered at the node cache`,
    });
    const { sent, failures, older, highest } = await watchAnswers(name, async () => {
      const pid = stack.processes.get('answerer-1')?.handle.pid;
      if (pid === undefined) throw new Error('no answerer-1');
      // Stopped through several changes; resumed while changes go on, so that it comes back behind
      // and is asked (each change drops the name at the cache) before it has caught up.
      process.kill(pid, 'SIGSTOP');
      try {
        for (let n = 2; n <= 7; n++) {
          await change(n);
          await sleep(150);
        }
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      for (let n = 8; n <= 16; n++) {
        await change(n);
        await sleep(100);
      }
      await waitFor(async () => ipsOf(await query(cache(), name, 'A', { timeoutMs: 1_000 })).join() === '10.244.16.16', {
        timeoutMs: 10_000,
        message: 'the last change never reached the node cache',
      });
    });
    expect(sent).toBeGreaterThan(100);
    expect(highest).toBe(16);
    expect(older).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('never answers older than it has answered, while an answerer cut off from the bus keeps answering DNS', async () => {
    // answerer-1 again, on its own port still, but reaching NATS through a relay the test holds.
    const relay = await busRelay(new URL(stack.natsUrl));
    const old = stack.processes.get('answerer-1');
    if (!old) throw new Error('no answerer-1');
    await old.handle.kill('SIGTERM');
    const args = [...old.args];
    args[args.indexOf('--nats') + 1] = relay.url;
    await stack.spawn('answerer-1', old.entry, args);
    try {
      const own = stack.answerers[1];
      const change = await headless('cut');
      const name = 'cut.shop.svc.cluster.local';
      await waitFor(async () => ipsOf(await query(own, name, 'A', { timeoutMs: 1_000 })).join() === '10.244.1.1', {
        timeoutMs: 15_000,
        message: `${name} never answered at answerer-1`,
      });
      await waitFor(async () => ipsOf(await query(cache(), name, 'A', { timeoutMs: 1_000 })).join() === '10.244.1.1', {
        timeoutMs: 15_000,
        message: `${name} never answered at the node cache`,
      });
      const { sent, failures, older, highest } = await watchAnswers(name, async () => {
        relay.hold();
        try {
          for (let n = 2; n <= 8; n++) {
            await change(n);
            await waitFor(async () => ipsOf(await query(cache(), name, 'A', { timeoutMs: 1_000 })).join() === `10.244.${n}.${n}`, {
              timeoutMs: 10_000,
              message: `change ${n} never reached the node cache`,
            });
            await sleep(100);
          }
          // Still behind, and still answering DNS: what a node cache without revisions would be handed.
          expect(ipsOf(await query(own, name, 'A', { timeoutMs: 1_000 }))).toEqual(['10.244.1.1']);
        } finally {
          relay.release();
        }
        await waitFor(async () => ipsOf(await query(own, name, 'A', { timeoutMs: 1_000 })).join() === '10.244.8.8', {
          timeoutMs: 10_000,
          message: 'answerer-1 never caught up',
        });
      });
      expect(sent).toBeGreaterThan(100);
      expect(highest).toBe(8);
      expect(older).toEqual([]);
      expect(failures).toEqual([]);
    } finally {
      // answerer-1 as it was, straight to the bus.
      await stack.processes.get('answerer-1')?.handle.kill('SIGTERM');
      await relay.close();
      await stack.spawn('answerer-1', old.entry, old.args);
    }
  });
});
