// What the cache and the guard leave on the node as they stop, against a recorder of the interception
// (the network namespace test in apps/node-cache runs the same against real iptables and interfaces).
import { describe, expect, it } from 'vitest';
import { cacheExit, guardExit, type ExitMode } from './exit.ts';
import type { Outcome } from './interception.ts';

function recorder(interfaceGoneAfterPolls = Infinity) {
  const calls: string[] = [];
  let polls = 0;
  const ok = async (name: string): Promise<Outcome> => (calls.push(name), { ok: true });
  return {
    calls,
    interception: {
      removeRules: () => ok('removeRules'),
      tearDown: () => ok('tearDown'),
      state: async () => ({ interfaceExists: calls.includes('tearDown') ? false : ++polls <= interfaceGoneAfterPolls, addresses: [], rules: 0 }),
    },
  };
}

const always = (answer: boolean) => async () => answer;
const fast = { quietMs: 30, maxWaitMs: 300, pollMs: 5 };

describe('cacheExit', () => {
  it.each<[string, ExitMode, boolean, string[], string]>([
    ['remove: interface and rules go', 'remove', true, ['tearDown'], 'removed'],
    ['keep: nothing is touched', 'keep', false, [], 'kept'],
    ['if-last, another instance answers: kept', 'if-last', true, [], 'kept'],
    ['if-last, nobody answers: removed', 'if-last', false, ['tearDown'], 'removed'],
  ])('%s', async (_name, mode, othersAnswer, calls, rules) => {
    const r = recorder();
    const report = await cacheExit(r.interception, mode, always(othersAnswer));
    expect(r.calls).toEqual(calls);
    expect(report.rules).toBe(rules);
  });
});

describe('guardExit', () => {
  it.each<[string, ExitMode, boolean, number, string[], { rules: string; interface: string }]>([
    ['remove, the cache goes and takes its interface', 'remove', true, 2, ['removeRules'], { rules: 'removed', interface: 'left to the cache' }],
    [
      'remove, the cache is not running: the guard deletes the interface',
      'remove',
      false,
      Infinity,
      ['removeRules', 'tearDown'],
      { rules: 'removed', interface: 'removed' },
    ],
    [
      'remove, only the guard stops (the cache answers on): the interface stays',
      'remove',
      true,
      Infinity,
      ['removeRules'],
      { rules: 'removed', interface: 'left to the cache' },
    ],
    ['keep: nothing is touched', 'keep', false, Infinity, [], { rules: 'kept', interface: 'kept' }],
    ['if-last, a cache answers: kept', 'if-last', true, Infinity, [], { rules: 'kept', interface: 'kept' }],
    ['if-last, nobody answers: removed', 'if-last', false, Infinity, ['tearDown'], { rules: 'removed', interface: 'removed' }],
  ])('%s', async (_name, mode, cacheAnswers, goneAfter, calls, expected) => {
    const r = recorder(goneAfter);
    const report = await guardExit(r.interception, mode, always(cacheAnswers), fast);
    expect(r.calls).toEqual(calls);
    expect(report).toMatchObject(expected);
  });

  it('reports a command that failed and keeps going', async () => {
    const failed: Outcome = { ok: false, error: { code: 'COMMAND_FAILED', message: 'iptables-restore: lock held' } };
    const report = await guardExit(
      { removeRules: async () => failed, tearDown: async () => ({ ok: true }), state: async () => ({ interfaceExists: false, addresses: [], rules: 10 }) },
      'remove',
      always(false),
      fast,
    );
    expect(report.error).toContain('lock held');
  });
});
