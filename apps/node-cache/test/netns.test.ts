// The node cache, its guard and the interception on a real kernel, as root, in two network namespaces the
// test creates: a "node" (the cache, the guard, a stand-in answerer pool and a DNAT rule standing in for
// kube-proxy) and a "pod" that queries the cluster DNS Service IP over a veth pair.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBinary, spawnProcess, waitFor, type ChildHandle } from '@halo/testing';

const SERVICE_IP = '10.96.0.10';
const LINK_LOCAL = '169.254.20.10';
const NODE_IP = '10.250.0.1';
const POD_IP = '10.250.0.2';
const CACHE_ANSWER = '192.0.2.1';
const POOL_ANSWER = '192.0.2.2';

function whyNot(): string | null {
  if (process.getuid?.() !== 0) return 'not root: creating network namespaces needs root';
  for (const [tool, arg] of [
    ['ip', '-V'],
    ['iptables', '--version'],
    ['iptables-save', '--version'],
    ['iptables-legacy-save', '--version'],
    ['iptables-nft-save', '--version'],
  ]) {
    try {
      execFileSync(tool, [arg], { stdio: 'ignore' });
    } catch {
      return `\`${tool}\` is not installed (Debian: iproute2, iptables)`;
    }
  }
  try {
    const probe = `halo-probe-${randomBytes(2).toString('hex')}`;
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  } catch (err) {
    return `cannot create a network namespace: ${(err as Error).message}`;
  }
  return null;
}

const reason = whyNot();
if (reason) console.warn(`skipping the network namespace test: ${reason}`);

describe.skipIf(reason !== null)('node cache, guard and interception in network namespaces', () => {
  const id = randomBytes(3).toString('hex');
  const nodeNs = `halo-node-${id}`;
  const podNs = `halo-pod-${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'halo-netns-'));
  const corefile = join(dir, 'Corefile');
  const cacheEntry = new URL('../src/main.ts', import.meta.url).pathname;
  const guardEntry = new URL('../../node-guard/src/main.ts', import.meta.url).pathname;
  const fixture = (f: string) => new URL(`./fixtures/${f}`, import.meta.url).pathname;
  const sh = (ns: string, ...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8' });
  const inNs = (ns: string, entry: string, args: string[], readyLine = /"ready":true/) =>
    spawnProcess('ip', ['netns', 'exec', ns, nodeBinary(), entry, ...args], { readyLine, timeoutMs: 30_000 });
  let cache: ChildHandle | undefined;
  let guard: ChildHandle | undefined;
  let client: ChildHandle | undefined;
  let pool: ChildHandle | undefined;

  const startCache = (...more: string[]) =>
    inNs(nodeNs, cacheEntry, [
      '--corefile',
      corefile,
      '--listen',
      `${LINK_LOCAL}:53`,
      '--service-ip',
      SERVICE_IP,
      '--setup-interface',
      '--interface',
      'halo-dns0',
      '--nats',
      'nats://127.0.0.1:1',
      '--instance',
      'netns',
      ...more,
    ]);
  const startGuard = (...more: string[]) =>
    inNs(nodeNs, guardEntry, ['--probe', `${LINK_LOCAL}:53`, '--addresses', `${LINK_LOCAL},${SERVICE_IP}`, '--interface', 'halo-dns0', ...more]);
  const interfaceExists = () => {
    try {
      sh(nodeNs, 'ip', 'link', 'show', 'halo-dns0');
      return true;
    } catch {
      return false;
    }
  };
  /** What a guard said it left on the node as it stopped. */
  const exitReport = (handle: ChildHandle | undefined) => {
    const line = handle?.lines.find((l) => l.startsWith('{"exit"'));
    return line ? (JSON.parse(line) as { exit: { rules: string; interface: string } }).exit : undefined;
  };
  type Line = { at: number; ip?: string; error?: string };
  const results = (): Line[] => (client?.lines ?? []).flatMap((l) => (l.startsWith('{"at"') ? [JSON.parse(l) as Line] : []));
  const ownRules = (save = 'iptables-save') =>
    sh(nodeNs, save)
      .split('\n')
      .filter((l) => l.includes('halo-dns node cache')).length;

  beforeAll(async () => {
    execFileSync('ip', ['netns', 'add', nodeNs]);
    execFileSync('ip', ['netns', 'add', podNs]);
    execFileSync('ip', ['link', 'add', `hv${id}a`, 'netns', nodeNs, 'type', 'veth', 'peer', 'name', `hv${id}b`, 'netns', podNs]);
    sh(nodeNs, 'ip', 'link', 'set', 'lo', 'up');
    sh(podNs, 'ip', 'link', 'set', 'lo', 'up');
    sh(nodeNs, 'ip', 'addr', 'add', `${NODE_IP}/24`, 'dev', `hv${id}a`);
    sh(podNs, 'ip', 'addr', 'add', `${POD_IP}/24`, 'dev', `hv${id}b`);
    sh(nodeNs, 'ip', 'link', 'set', `hv${id}a`, 'up');
    sh(podNs, 'ip', 'link', 'set', `hv${id}b`, 'up');
    sh(podNs, 'ip', 'route', 'add', 'default', 'via', NODE_IP);
    // kube-proxy's stand-in: the Service IP is DNATed to the pool.
    for (const proto of ['udp', 'tcp'])
      sh(
        nodeNs,
        'iptables',
        '-t',
        'nat',
        '-A',
        'PREROUTING',
        '-d',
        `${SERVICE_IP}/32`,
        '-p',
        proto,
        '--dport',
        '53',
        '-j',
        'DNAT',
        '--to-destination',
        `${NODE_IP}:1053`,
      );
    writeFileSync(corefile, `.:53 {\n    hosts {\n        ${CACHE_ANSWER} who.test\n    }\n}\nnode-cache.halo.invalid:53 {\n    whoami\n}\n`);
    pool = await inNs(nodeNs, fixture('tiny-dns.ts'), [NODE_IP, '1053', POOL_ANSWER]);
  }, 60_000);

  afterAll(async () => {
    for (const p of [client, guard, cache, pool]) await p?.kill('SIGKILL').catch(() => undefined);
    for (const ns of [podNs, nodeNs]) {
      try {
        execFileSync('ip', ['netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('before the cache: the pod reaches the pool through the DNAT', async () => {
    client = await inNs(podNs, fixture('stream-client.ts'), [SERVICE_IP, 'who.test', '20']);
    await waitFor(() => results().some((r) => r.ip === POOL_ANSWER), { message: 'the pool never answered through the DNAT' });
  });

  it('with the cache and its interception up, the cache answers', async () => {
    cache = await startCache();
    expect(sh(nodeNs, 'ip', '-o', 'addr', 'show', 'dev', 'halo-dns0')).toContain(SERVICE_IP);
    expect(ownRules()).toBe(20);
    guard = await startGuard();
    const from = Date.now();
    await waitFor(() => results().some((r) => r.at > from && r.ip === CACHE_ANSWER), { message: 'the cache never answered the pod' });
  });

  it('kill -9 of the cache: the stream is answered by the pool within a second', async () => {
    const start = Date.now();
    await waitFor(() => results().filter((r) => r.at > start).length > 10, { message: 'the stream stopped' });
    const killedAt = Date.now();
    await cache?.kill('SIGKILL');
    await waitFor(() => results().filter((r) => r.at > killedAt + 1_500).length > 20, { timeoutMs: 10_000, message: 'the stream stopped after the kill' });
    const after = results().filter((r) => r.at >= killedAt);
    const firstPool = after.find((r) => r.ip === POOL_ANSWER);
    expect(firstPool, 'the pool never took over').toBeDefined();
    expect((firstPool?.at ?? Infinity) - killedAt).toBeLessThan(1_000);
    // From a second after the kill on, every query is answered, by the pool.
    const late = after.filter((r) => r.at >= killedAt + 1_000);
    expect(late.filter((r) => r.ip !== POOL_ANSWER)).toEqual([]);
    expect(ownRules()).toBe(0);
  });

  it('the cache started again: queries return to it', async () => {
    cache = await startCache();
    const from = Date.now();
    await waitFor(() => results().filter((r) => r.at > from && r.ip === CACHE_ANSWER).length > 5, {
      timeoutMs: 10_000,
      message: 'queries never returned to the cache',
    });
    await waitFor(() => ownRules() === 20, { message: 'the rules are not back' });
  });

  it('a clean exit takes the interface, its addresses and the rules away', async () => {
    expect(await guard?.kill('SIGTERM')).toBe(0);
    // The guard takes the rules at once and leaves the interface to the cache, which still answers.
    expect(exitReport(guard)).toMatchObject({ rules: 'removed', interface: 'left to the cache' });
    expect(interfaceExists()).toBe(true);
    expect(await cache?.kill('SIGTERM')).toBe(0);
    expect(ownRules()).toBe(0);
    expect(interfaceExists()).toBe(false);
    const from = Date.now();
    await waitFor(() => results().some((r) => r.at > from && r.ip === POOL_ANSWER), { message: 'the pool does not answer after the cache left' });
  });

  it('an uninstall while the cache crash-loops: the guard takes the rules and the interface the cache left', async () => {
    cache = await startCache();
    guard = await startGuard();
    await waitFor(() => ownRules() === 20 && guard?.lines.some((l) => l.includes('"switch":"add-rules"')) === true, {
      message: 'the interception is not in place',
    });
    await cache.kill('SIGKILL');
    await waitFor(() => ownRules() === 0, { timeoutMs: 10_000, message: 'the guard did not take the rules away from the dead cache' });
    // The dead cache could not remove its interface; the guard does, as it stops.
    expect(interfaceExists()).toBe(true);
    expect(await guard.kill('SIGTERM')).toBe(0);
    expect(exitReport(guard)).toMatchObject({ rules: 'removed', interface: 'removed' });
    expect(interfaceExists()).toBe(false);
    expect(ownRules()).toBe(0);
  });

  it('--on-exit keep leaves interface and rules for the next version, which takes them over', async () => {
    cache = await startCache('--on-exit', 'keep');
    guard = await startGuard('--on-exit', 'keep');
    await waitFor(() => ownRules() === 20, { message: 'the rules are not in place' });
    expect(await guard.kill('SIGTERM')).toBe(0);
    expect(await cache.kill('SIGTERM')).toBe(0);
    expect(exitReport(guard)).toMatchObject({ rules: 'kept', interface: 'kept' });
    expect(ownRules()).toBe(20);
    expect(interfaceExists()).toBe(true);
    // The next version binds to the addresses left in place and answers.
    cache = await startCache();
    const from = Date.now();
    await waitFor(() => results().filter((r) => r.at > from && r.ip === CACHE_ANSWER).length > 3, {
      timeoutMs: 10_000,
      message: 'the next version does not answer',
    });
    expect(await cache.kill('SIGTERM')).toBe(0);
    expect(ownRules()).toBe(0);
    expect(interfaceExists()).toBe(false);
  });

  it('two caches sharing the address (--on-exit if-last): the first to stop leaves the interception, the last removes it', async () => {
    const first = await startCache('--on-exit', 'if-last', '--instance', 'netns-a');
    const second = await startCache('--on-exit', 'if-last', '--instance', 'netns-b');
    guard = await startGuard('--on-exit', 'if-last');
    await waitFor(() => ownRules() === 20, { message: 'the rules are not in place' });
    expect(await first.kill('SIGTERM')).toBe(0);
    expect(ownRules()).toBe(20);
    expect(interfaceExists()).toBe(true);
    // The pod's queries are answered by the cache that stays, not by the pool.
    const from = Date.now();
    await waitFor(() => results().filter((r) => r.at > from).length > 10, { message: 'the stream stopped' });
    expect(results().filter((r) => r.at > from + 200 && r.ip !== CACHE_ANSWER)).toEqual([]);
    expect(await guard.kill('SIGTERM')).toBe(0);
    expect(exitReport(guard)).toMatchObject({ rules: 'kept', interface: 'kept' });
    expect(await second.kill('SIGTERM')).toBe(0);
    expect(ownRules()).toBe(0);
    expect(interfaceExists()).toBe(false);
    const after = Date.now();
    await waitFor(() => results().some((r) => r.at > after && r.ip === POOL_ANSWER), { message: 'the pool does not answer after the last cache left' });
  });

  it('on a node whose kube-proxy uses iptables-legacy, cache and guard find it and write their rules there', async () => {
    // kubelet's hint chain says which back end the node uses (the DNAT stand-in stays in nf_tables).
    sh(nodeNs, 'iptables-legacy', '-t', 'mangle', '-N', 'KUBE-IPTABLES-HINT');
    try {
      cache = await startCache();
      guard = await startGuard();
      await waitFor(() => ownRules('iptables-legacy-save') === 20, { message: 'the rules are not in the legacy tables' });
      expect(ownRules('iptables-nft-save')).toBe(0);
      const from = Date.now();
      await waitFor(() => results().filter((r) => r.at > from && r.ip === CACHE_ANSWER).length > 3, {
        timeoutMs: 10_000,
        message: 'the cache does not answer the pod',
      });
      expect(await guard.kill('SIGTERM')).toBe(0);
      expect(await cache.kill('SIGTERM')).toBe(0);
      expect(ownRules('iptables-legacy-save')).toBe(0);
      expect(interfaceExists()).toBe(false);
    } finally {
      sh(nodeNs, 'iptables-legacy', '-t', 'mangle', '-X', 'KUBE-IPTABLES-HINT');
    }
  });
});
