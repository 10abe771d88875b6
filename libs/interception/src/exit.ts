// What the node cache and its guard leave on the node when they stop. By default nothing: an uninstall
// must not leave NOTRACK rules (they would send every pod's DNS to an address nobody serves) nor the
// interface. An upgrade that hands the node to the next version keeps them (`keep`); two instances that
// share the address (two DaemonSets) remove them only when the last one goes (`if-last`).
import { setTimeout as delay } from 'node:timers/promises';
import type { Interception, Outcome } from './interception.ts';

export type ExitMode = 'remove' | 'keep' | 'if-last';
export const EXIT_MODES: readonly ExitMode[] = ['remove', 'keep', 'if-last'];

/** Asks once whether anything answers DNS on the intercepted address. */
export type AnswerCheck = () => Promise<boolean>;

/** True when any of `tries` checks, `gapMs` apart, gets an answer: one lost datagram is not an absence. */
export async function answersWithin(check: AnswerCheck, tries = 3, gapMs = 100): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    if (i < tries - 1) await delay(gapMs);
  }
  return false;
}

export interface ExitReport {
  /** What happened to the rules and the interface, for the log. */
  rules: 'removed' | 'kept';
  interface: 'removed' | 'kept' | 'left to the cache';
  reason: string;
  /** A command that failed (the node keeps what it could not remove). */
  error?: string;
}

const failure = (o: Outcome) => (o.ok ? undefined : o.error.message);

/**
 * The node cache, once its sockets are closed (drained): `remove` takes the interface away (the
 * caller removed the rules before draining, so that the Service IP fell through to kube-proxy first);
 * `if-last` takes rules and interface away when no other instance answers on the shared address.
 */
export async function cacheExit(interception: Pick<Interception, 'tearDown'>, mode: ExitMode, othersAnswer: AnswerCheck): Promise<ExitReport> {
  if (mode === 'keep') return { rules: 'kept', interface: 'kept', reason: 'kept for the next version (--on-exit keep)' };
  if (mode === 'if-last' && (await answersWithin(othersAnswer)))
    return { rules: 'kept', interface: 'kept', reason: 'another instance answers on the shared address' };
  const error = failure(await interception.tearDown());
  return { rules: 'removed', interface: 'removed', reason: mode === 'remove' ? 'removed on exit' : 'no other instance answers', error };
}

export interface GuardExitTiming {
  /** How long nothing may answer before the guard deletes an interface its cache left (default 2 s). */
  quietMs?: number;
  /** How long the guard waits at most for the cache to go (default 5 s); a cache that still answers then keeps its interface. */
  maxWaitMs?: number;
  pollMs?: number;
}

/**
 * The guard on its way out. `remove`: the rules go at once (pods' DNS to the Service IP falls through to
 * kube-proxy and the pool); the interface is the cache's to remove, but a cache that is not running
 * (crash-looping when its pod is deleted) never will: when nothing has answered for `quietMs` and the
 * interface is still there, the guard deletes it. While the cache answers (only the guard restarts),
 * the interface stays. `if-last`: rules and interface go only when nothing answers on the shared address.
 */
export async function guardExit(
  interception: Pick<Interception, 'removeRules' | 'tearDown' | 'state'>,
  mode: ExitMode,
  cacheAnswers: AnswerCheck,
  timing: GuardExitTiming = {},
): Promise<ExitReport> {
  if (mode === 'keep') return { rules: 'kept', interface: 'kept', reason: 'kept for the next version (--on-exit keep)' };
  if (mode === 'if-last') {
    if (await answersWithin(cacheAnswers)) return { rules: 'kept', interface: 'kept', reason: 'a cache still answers on the shared address' };
    const error = failure(await interception.tearDown());
    return { rules: 'removed', interface: 'removed', reason: 'no cache answers on the shared address', error };
  }
  const removed = failure(await interception.removeRules());
  const quietMs = timing.quietMs ?? 2_000;
  const pollMs = timing.pollMs ?? 200;
  const deadline = Date.now() + (timing.maxWaitMs ?? 5_000);
  let quietSince: number | null = null;
  while (Date.now() < deadline) {
    if (!(await interception.state()).interfaceExists)
      return { rules: 'removed', interface: 'left to the cache', reason: 'the cache removed its interface', error: removed };
    if (await cacheAnswers()) quietSince = null;
    else quietSince ??= Date.now();
    if (quietSince !== null && Date.now() - quietSince >= quietMs) {
      const error = removed ?? failure(await interception.tearDown());
      return { rules: 'removed', interface: 'removed', reason: `nothing answered for ${quietMs} ms: the cache is not running`, error };
    }
    await delay(pollMs);
  }
  return { rules: 'removed', interface: 'left to the cache', reason: 'the cache still answers', error: removed };
}
