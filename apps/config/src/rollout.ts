// What the rollout of a target's newest version looks like from the instances' own reports: a version an
// instance refused, or one it has not applied long after it was published, is shown as such, never as done.
import type { ConfigTarget, InstanceStatusV1 } from '@halo/bus';

export type InstanceState = 'current' | 'pending' | 'rejected' | 'stuck';
export type RolloutState = 'applied' | 'pending' | 'rejected' | 'stuck' | 'no instances';

/** An instance that has not applied a version this long after it was published is stuck. */
export const stuckAfterMs = 30_000;

export interface Rollout {
  target: ConfigTarget;
  version: number;
  state: RolloutState;
  instances: number;
  current: number;
  /** The instances that refused the newest version, with their error. */
  rejectedBy: { instance: string; error: string }[];
}

export function instanceState(status: InstanceStatusV1, effective: { version: number; changedAt?: string }, now: number): InstanceState {
  if (status.error !== null && (status.errorVersion ?? 0) >= effective.version) return 'rejected';
  if (status.version >= effective.version) return 'current';
  const published = effective.changedAt ? Date.parse(effective.changedAt) : now;
  return now - published > stuckAfterMs ? 'stuck' : 'pending';
}

export function rolloutOf(target: ConfigTarget, effective: { version: number; changedAt?: string }, instances: InstanceStatusV1[], now: number): Rollout {
  const mine = instances.filter((i) => i.target === target);
  const states = mine.map((i) => instanceState(i, effective, now));
  const rejectedBy = mine.filter((_, n) => states[n] === 'rejected').map((i) => ({ instance: i.instance, error: i.error ?? '' }));
  const state: RolloutState =
    mine.length === 0
      ? 'no instances'
      : rejectedBy.length > 0
        ? 'rejected'
        : states.includes('stuck')
          ? 'stuck'
          : states.includes('pending')
            ? 'pending'
            : 'applied';
  return { target, version: effective.version, state, instances: mine.length, current: states.filter((s) => s === 'current').length, rejectedBy };
}
