// A clean stop: the first SIGINT or SIGTERM runs the app's teardown once, then the process exits 0.
// Later signals are ignored while it runs (a second Ctrl-C would otherwise cut the teardown short).

export interface StopState {
  /** True once a stop signal arrived: work that starts late should not begin. */
  readonly stopping: boolean;
}

const signals = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof signals)[number];

/**
 * Runs `stop` once on the first SIGINT/SIGTERM, then exits 0. If `stop` fails, its error goes to stderr
 * and the process exits 1 (what an unhandled rejection did before, but with the reason said).
 */
export function onStop(stop: (signal: StopSignal) => Promise<void> | void): StopState {
  let stopping = false;
  const run = async (signal: StopSignal) => {
    if (stopping) return;
    stopping = true;
    try {
      await stop(signal);
    } catch (err) {
      console.error(`stopping on ${signal} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    }
    process.exit(0);
  };
  for (const signal of signals) process.on(signal, () => void run(signal));
  return {
    get stopping() {
      return stopping;
    },
  };
}
