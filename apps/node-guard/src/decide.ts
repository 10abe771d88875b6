// The guard's decision, as a pure function of what the probes said: a few failures in a row take the
// interception away, a few answers in a row put it back. The first probe decides at once.

export interface Thresholds {
  /** Failed probes in a row before the interception is removed. */
  failures: number;
  /** Answered probes in a row before it is put back. */
  successes: number;
}

export interface GuardState {
  /** null until the first probe: the guard does not know what the node looks like yet. */
  intercepting: boolean | null;
  failures: number;
  successes: number;
}

export type GuardAction = 'add-rules' | 'remove-rules' | null;

export const initialState: GuardState = { intercepting: null, failures: 0, successes: 0 };

/** The state after one probe, and what to do to the node (apply it, then keep the state only if that worked). */
export function decide(state: GuardState, answered: boolean, t: Thresholds): { state: GuardState; action: GuardAction } {
  const failures = answered ? 0 : state.failures + 1;
  const successes = answered ? state.successes + 1 : 0;
  const counted = { ...state, failures, successes };
  if (answered && state.intercepting !== true && (state.intercepting === null || successes >= t.successes)) {
    return { state: { ...counted, intercepting: true }, action: 'add-rules' };
  }
  if (!answered && state.intercepting !== false && (state.intercepting === null || failures >= t.failures)) {
    return { state: { ...counted, intercepting: false }, action: 'remove-rules' };
  }
  return { state: counted, action: null };
}
