// The node cache in front of the real system (kube-sim → watcher → NATS → answerers), asked by a real
// DNS client. Changes must show at the cache long before the cached answers would have expired.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, DiscoveryV1Api, KubeConfig } from '@kubernetes/client-node';
import { freePort, query, waitFor } from '@halo/testing';
import { startStack, type Stack, type StackProcess } from '../../../tools/stack/src/index.ts';

const entry = new URL('../src/main.ts', import.meta.url).pathname;
let stack: Stack;
let core: CoreV1Api;
let discovery: DiscoveryV1Api;
let cachePort: number;
let extraAnswererPort: number;

/** A process of the stack by name; a test that names one the stack lacks fails here, saying which. */
function processOf(name: string): StackProcess {
  const p = stack.processes.get(name);
  if (!p) throw new Error(`the stack has no process ${name}`);
  return p;
}
const cache = () => ({ host: '127.0.0.1', port: cachePort });
const ask = (name: string, type = 'A', timeoutMs = 3_000) => query(cache(), name, type, { timeoutMs });
const addresses = (r: Awaited<ReturnType<typeof ask>>) => (r.answers ?? []).flatMap((a) => (a.type === 'A' ? [String(a.data)] : [])).sort();
// Positive answers are cached for 30 s and negative ones for 5 s: seeing a change well within that is
// the invalidation at work, not expiry.
async function seesA(name: string, expected: string[], timeoutMs = 4_000) {
  await waitFor(async () => JSON.stringify(addresses(await ask(name))) === JSON.stringify(expected), {
    timeoutMs,
    message: `${name} never answered ${expected.join(',')} at the node cache`,
  });
}
async function seesNxdomain(name: string, timeoutMs = 4_000) {
  await waitFor(async () => (await ask(name)).rcode === 'NXDOMAIN', { timeoutMs, message: `${name} never became NXDOMAIN at the node cache` });
}

async function startCache(name: string, port: number, answerers: string): Promise<StackProcess> {
  return stack.spawn(name, entry, [
    '--listen',
    `127.0.0.1:${port}`,
    '--answerers',
    answerers,
    '--nats',
    stack.natsUrl,
    '--nats-user',
    'node-cache',
    '--nats-password-file',
    stack.natsPasswordFiles['node-cache'],
    '--upstream',
    '127.0.0.1:9',
    '--instance',
    name,
  ]);
}

/**
 * As a stub resolver asks: a query lost in a killed process's socket buffer is asked again after a
 * timeout (glibc: 5 s, 2 attempts; here 700 ms, 3 attempts).
 */
async function askAsStub(name: string) {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await ask(name, 'A', 700);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/** Sends up to `count` queries, 4 at a time, and returns the failures (no answer after retries, or not NOERROR). */
async function stream(
  names: string[],
  count: number,
  during: () => Promise<void>,
  asker: (name: string) => ReturnType<typeof ask> = askAsStub,
): Promise<string[]> {
  const failures: string[] = [];
  let stop = false;
  let sent = 0;
  const worker = async () => {
    while (!stop && sent < count) {
      const name = names[sent++ % names.length];
      const r = await asker(name).catch((e: Error) => e.message);
      if (typeof r === 'string') failures.push(`${name}: ${r}`);
      else if (r.rcode !== 'NOERROR') failures.push(`${name}: ${r.rcode}`);
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  await waitFor(() => sent > 20, { message: 'the stream did not start' });
  await during();
  const target = sent + 100;
  await waitFor(() => sent >= target || sent >= count, { timeoutMs: 30_000, message: 'the stream stalled' });
  stop = true;
  await Promise.all(workers);
  return failures;
}

beforeAll(async () => {
  stack = await startStack({ answerers: 2 });
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 's', server: stack.kubeUrl, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'c', cluster: 's', user: 'u' }],
    currentContext: 'c',
  });
  core = kc.makeApiClient(CoreV1Api);
  discovery = kc.makeApiClient(DiscoveryV1Api);
  // One more answerer on a port of its own, so that the cache knows two addresses.
  extraAnswererPort = await freePort({ udp: true });
  const a0 = processOf('answerer-0');
  const args = [...a0.args];
  args[args.indexOf('--dns-port') + 1] = String(extraAnswererPort);
  // Not answerer-0's own address: this one's own is the port above.
  if (args.includes('--own-listen')) args.splice(args.indexOf('--own-listen'), 2);
  args[args.indexOf('--instance') + 1] = 'answerer-x';
  await stack.spawn('answerer-x', a0.entry, args);
  cachePort = await freePort({ udp: true });
  const proc = await startCache('test-cache', cachePort, `127.0.0.1:${stack.dns.port},127.0.0.1:${extraAnswererPort}`);
  await proc.handle.waitForLine(/"bus":"connected"/, 20_000);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

const service = (name: string, clusterIP: string) => ({
  metadata: { name, namespace: 'shop' },
  spec: { clusterIP, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
});

describe('node cache: changes are seen at once', () => {
  it('a Service created, changed and deleted (cached negative, then positive answers dropped)', async () => {
    const name = 'cart.shop.svc.cluster.local';
    expect((await ask(name)).rcode).toBe('NXDOMAIN');
    await core.createNamespacedService({ namespace: 'shop', body: service('cart', '10.96.30.1') });
    await seesA(name, ['10.96.30.1']);
    expect(addresses(await ask(name))).toEqual(['10.96.30.1']);
    await core.deleteNamespacedService({ namespace: 'shop', name: 'cart' });
    await seesNxdomain(name);
    await core.createNamespacedService({ namespace: 'shop', body: service('cart', '10.96.30.2') });
    await seesA(name, ['10.96.30.2']);
  });

  it('a headless Service whose endpoints change', async () => {
    const name = 'peers.shop.svc.cluster.local';
    await core.createNamespacedService({
      namespace: 'shop',
      body: { metadata: { name: 'peers', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'g', port: 7946, protocol: 'TCP' }] } },
    });
    const slice = (ips: string[], resourceVersion?: string) => ({
      metadata: { name: 'peers-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'peers' }, resourceVersion },
      addressType: 'IPv4',
      ports: [{ name: 'g', port: 7946, protocol: 'TCP' }],
      endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    });
    await discovery.createNamespacedEndpointSlice({ namespace: 'shop', body: slice(['10.244.9.1', '10.244.9.2']) });
    await seesA(name, ['10.244.9.1', '10.244.9.2']);
    for (const ips of [['10.244.9.3'], ['10.244.9.3', '10.244.9.4'], ['10.244.9.5']]) {
      const current = await discovery.readNamespacedEndpointSlice({ namespace: 'shop', name: 'peers-1' });
      await discovery.replaceNamespacedEndpointSlice({ namespace: 'shop', name: 'peers-1', body: slice(ips, current.metadata?.resourceVersion) });
      await seesA(name, ips);
    }
  });
});

describe('node cache: the pool', () => {
  it('loses no query while one of two answerer addresses stops', async () => {
    const names = ['web.shop.svc.cluster.local', 'kubernetes.default.svc.cluster.local'];
    const failures = await stream(names, 5_000, async () => {
      await processOf('answerer-x').handle.kill('SIGKILL');
    });
    expect(failures).toEqual([]);
    await stack.restart('answerer-x');
  });

  it('answers cached names from stale entries and new names SERVFAIL quickly when every answerer is gone', async () => {
    const cached = 'web.shop.svc.cluster.local';
    expect(addresses(await ask(cached))).toEqual(['10.96.10.10']);
    const answerers = ['answerer-0', 'answerer-1', 'answerer-x'];
    for (const a of answerers) await processOf(a).handle.kill('SIGKILL');
    const stale = await ask(cached, 'A', 5_000);
    expect(stale.rcode).toBe('NOERROR');
    expect(addresses(stale)).toEqual(['10.96.10.10']);
    const started = performance.now();
    const fresh = await ask('never-asked.shop.svc.cluster.local', 'A', 5_000);
    expect(fresh.rcode).toBe('SERVFAIL');
    expect(performance.now() - started).toBeLessThan(4_000);
    for (const a of answerers) await stack.restart(a);
    await seesA('kubernetes.default.svc.cluster.local', ['10.96.0.1'], 20_000);
  });
});

describe('node cache: two instances on one address', () => {
  it('loses no query when one of them is killed', async () => {
    const second = await startCache('node-cache-b', cachePort, `127.0.0.1:${stack.dns.port},127.0.0.1:${extraAnswererPort}`);
    const failures = await stream(['web.shop.svc.cluster.local', 'api.shop.svc.cluster.local'], 5_000, async () => {
      await second.handle.kill('SIGKILL');
    });
    expect(failures).toEqual([]);
  });

  it('a rolling upgrade (SIGTERM to one of them) loses no query, asked once without retry', async () => {
    const second = await startCache('node-cache-c', cachePort, `127.0.0.1:${stack.dns.port},127.0.0.1:${extraAnswererPort}`);
    const failures = await stream(
      ['web.shop.svc.cluster.local', 'api.shop.svc.cluster.local'],
      5_000,
      async () => {
        await second.handle.kill('SIGTERM');
      },
      (name) => ask(name, 'A', 1_500),
    );
    expect(failures).toEqual([]);
  });
});

describe('node cache: the bus', () => {
  it('serves no stale answer after the bus went away and came back', async () => {
    const name = 'bus.shop.svc.cluster.local';
    await core.createNamespacedService({ namespace: 'shop', body: service('bus', '10.96.40.1') });
    await seesA(name, ['10.96.40.1']);
    await stack.nats.kill();
    // While the bus is down a change cannot be heard: the answer it could hide lives a few seconds only.
    await core.deleteNamespacedService({ namespace: 'shop', name: 'bus' });
    await core.createNamespacedService({ namespace: 'shop', body: service('bus', '10.96.40.2') });
    await stack.nats.restart();
    await seesA(name, ['10.96.40.2'], 15_000);
    // And from then on, nothing of the old answer comes back.
    for (let i = 0; i < 20; i++) expect(addresses(await ask(name))).toEqual(['10.96.40.2']);
  });
});
