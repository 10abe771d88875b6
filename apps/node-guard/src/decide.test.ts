import { describe, expect, it } from 'vitest';
import { decide, initialState, type GuardState } from './decide.ts';

const t = { failures: 2, successes: 2 };
const on: GuardState = { intercepting: true, failures: 0, successes: 5 };
const off: GuardState = { intercepting: false, failures: 5, successes: 0 };

describe('decide', () => {
  it.each<[string, GuardState, boolean[], (string | null)[], boolean | null]>([
    ['first answer puts the interception in place', initialState, [true], ['add-rules'], true],
    ['first failure takes it away', initialState, [false], ['remove-rules'], false],
    ['one failure is not enough', on, [false], [null], true],
    ['two failures in a row remove', on, [false, false], [null, 'remove-rules'], false],
    ['an answer between failures resets the count', on, [false, true, false], [null, null, null], true],
    ['one answer is not enough to come back', off, [true], [null], false],
    ['two answers in a row come back', off, [true, true], [null, 'add-rules'], true],
    ['removed stays removed while failing', off, [false, false, false], [null, null, null], false],
    ['in place stays in place while answering', on, [true, true], [null, null], true],
  ])('%s', (_name, start, answers, actions, end) => {
    let state = start;
    const seen: (string | null)[] = [];
    for (const a of answers) {
      const next = decide(state, a, t);
      seen.push(next.action);
      state = next.state;
    }
    expect(seen).toEqual(actions);
    expect(state.intercepting).toBe(end);
  });
});
