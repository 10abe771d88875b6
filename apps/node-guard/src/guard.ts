// The guard loop: probe, decide, apply. Several probes a second; after a failure the next probe goes at
// once, so that two failures in a row take well under a second.
import { setTimeout as delay } from 'node:timers/promises';
import { probe as dnsProbe, type Interception, type ProbeResult, type ProbeTarget } from '@halo/interception';
import { decide, initialState, type GuardAction, type GuardState, type Thresholds } from './decide.ts';

export interface GuardOptions {
  target: ProbeTarget;
  intervalMs: number;
  timeoutMs: number;
  thresholds: Thresholds;
  interception: Pick<Interception, 'addRules' | 'removeRules'>;
  onProbe?(result: ProbeResult, state: GuardState): void;
  onSwitch?(action: Exclude<GuardAction, null>, outcome: { ok: boolean; message?: string }, last: ProbeResult): void;
  /** For tests: the probe to use instead of a DNS query. */
  probe?(target: ProbeTarget, timeoutMs: number): Promise<ProbeResult>;
}

export interface Guard {
  state(): GuardState;
  stop(): Promise<void>;
}

export function startGuard(options: GuardOptions): Guard {
  let state = initialState;
  let stopped = false;
  const run = options.probe ?? dnsProbe;
  const controller = new AbortController();
  const loop = (async () => {
    while (!stopped) {
      const result = await run(options.target, options.timeoutMs);
      if (stopped) break;
      const next = decide(state, result.answered, options.thresholds);
      if (next.action) {
        const outcome = next.action === 'add-rules' ? await options.interception.addRules() : await options.interception.removeRules();
        // A failed switch keeps the old state: the next probe tries again.
        if (outcome.ok) state = next.state;
        else state = { ...next.state, intercepting: state.intercepting };
        options.onSwitch?.(next.action, outcome.ok ? { ok: true } : { ok: false, message: outcome.error.message }, result);
      } else state = next.state;
      options.onProbe?.(result, state);
      // While failures count towards a switch, ask again at once; otherwise at the normal pace.
      const wait = !result.answered && state.intercepting !== false ? Math.min(options.intervalMs, 20) : options.intervalMs;
      await delay(wait, undefined, { signal: controller.signal }).catch(() => undefined);
    }
  })();
  return {
    state: () => state,
    stop: async () => {
      stopped = true;
      controller.abort();
      await loop;
    },
  };
}
