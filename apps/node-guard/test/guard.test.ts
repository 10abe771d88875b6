// The guard against a real DNS responder (@halo/testing's server double) that the test stops and starts; the interception is a
// recorder here (the network namespace test in apps/node-cache runs it against real iptables).
import { afterEach, describe, expect, it } from 'vitest';
import { reply, startTestUpstream, waitFor } from '@halo/testing';
import { probe } from '@halo/interception';
import { startGuard, type Guard } from '../src/guard.ts';

type Rcode = 'NOERROR' | 'SERVFAIL' | 'NXDOMAIN';
const RCODES = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

/** The node cache's stand-in: answers every question with `rcode`, or stays silent; on `port` to come back where it was. */
function responder(rcode: Rcode = 'NOERROR', port?: number, silent = false) {
  return startTestUpstream((q) => (silent ? 'drop' : reply(q, [], RCODES[rcode])), { port });
}

const target = (port: number) => ({ host: '127.0.0.1', port, name: 'node-cache.halo.invalid', type: 'A' as const });

describe('probe', () => {
  it.each<[string, Rcode, boolean, boolean, string | null]>([
    ['NOERROR is healthy', 'NOERROR', false, true, null],
    ['NXDOMAIN is healthy', 'NXDOMAIN', false, true, null],
    ['SERVFAIL is not', 'SERVFAIL', false, false, 'bad-rcode'],
    ['silence is a timeout', 'NOERROR', true, false, 'timeout'],
  ])('%s', async (_name, rcode, silent, answered, reason) => {
    const server = await responder(rcode, undefined, silent);
    const r = await probe(target(server.port), 200);
    await server.close();
    expect(r.answered).toBe(answered);
    if (!r.answered) expect(r.reason).toBe(reason);
  });

  it('sees a closed port as refused, without waiting for the timeout', async () => {
    const server = await responder();
    await server.close();
    const r = await probe(target(server.port), 5_000);
    expect(r).toMatchObject({ answered: false, reason: 'refused' });
    expect(r.ms).toBeLessThan(5_000);
  });
});

describe('startGuard', () => {
  let guard: Guard | undefined;
  afterEach(async () => {
    await guard?.stop();
  });

  it('removes the rules when the cache stops answering and puts them back when it answers again', async () => {
    const calls: string[] = [];
    const interception = {
      addRules: async () => (calls.push('add'), { ok: true as const }),
      removeRules: async () => (calls.push('remove'), { ok: true as const }),
    };
    let server = await responder();
    const port = server.port;
    guard = startGuard({ target: target(port), intervalMs: 50, timeoutMs: 100, thresholds: { failures: 2, successes: 2 }, interception });
    await waitFor(() => calls.length === 1, { message: 'the first probe did not decide' });
    expect(calls).toEqual(['add']);
    await server.close();
    await waitFor(() => calls.length === 2, { timeoutMs: 5_000, message: 'the guard did not remove the rules' });
    expect(calls).toEqual(['add', 'remove']);
    expect(guard.state().intercepting).toBe(false);
    server = await responder('NOERROR', port);
    await waitFor(() => calls.length === 3, { timeoutMs: 5_000, message: 'the guard did not put the rules back' });
    expect(calls).toEqual(['add', 'remove', 'add']);
    await server.close();
  });

  it('retries a switch that failed', async () => {
    let attempts = 0;
    const interception = {
      addRules: async () =>
        ++attempts < 3 ? { ok: false as const, error: { code: 'COMMAND_FAILED' as const, message: 'xtables lock' } } : { ok: true as const },
      removeRules: async () => ({ ok: true as const }),
    };
    const server = await responder();
    guard = startGuard({ target: target(server.port), intervalMs: 20, timeoutMs: 100, thresholds: { failures: 2, successes: 2 }, interception });
    await waitFor(() => guard?.state().intercepting === true, { message: 'the guard never got the rules in' });
    expect(attempts).toBe(3);
    await server.close();
  });
});
