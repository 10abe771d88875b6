// The answerer's V8 flags. Node 24 grows the young generation to ~130 MB under a steady stream of small
// garbage (one answer per query); 4 MB semi-spaces keep the answerer's peak memory ~100 MB lower at
// 10 000 Services with no loss of throughput (measured with tools/bench). V8 lets the old generation
// grow up to 4× what the last full collection left before it collects again; the zone arriving while
// the answerer already answers (a watcher writing the whole bucket) then piles up ~20-30 MB of garbage
// on top, and 2× (--heap-growing-percent=100) keeps the peak ~15-20 MB lower at the same throughput.
// V8 reads the flags only at start, so the process replaces itself once with them (process.execve
// keeps the PID, so supervisors and signals are unaffected). HALO_ANSWERER_V8_FLAGS overrides the flags
// ("" for none).
export const defaultV8Flags = ['--max-semi-space-size=4', '--heap-growing-percent=100'];

/**
 * glibc gives threads that allocate (V8's compiler and GC threads do) arenas of their own, and each
 * arena keeps what was freed in it: two arenas hold ~10 MB less at 10 000 Services (tools/bench). The
 * re-exec is where it can be set, since glibc reads it at start; a value in the environment is kept.
 */
export const defaultMallocArenaMax = '2';

/** The flags still missing from this process, or null when it should not re-execute. */
export function missingV8Flags(execArgv: readonly string[], env: NodeJS.ProcessEnv): string[] | null {
  if (env.HALO_ANSWERER_V8_APPLIED === '1') return null;
  const wanted = env.HALO_ANSWERER_V8_FLAGS === undefined ? defaultV8Flags : env.HALO_ANSWERER_V8_FLAGS.split(/\s+/).filter(Boolean);
  const given = `${execArgv.join(' ')} ${env.NODE_OPTIONS ?? ''}`;
  const missing = wanted.filter((f) => !given.includes(f.split('=')[0] as string));
  return missing.length > 0 ? missing : null;
}

/** The environment of the re-executed process: marked as done, with the malloc arena limit. */
export function reexecEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, HALO_ANSWERER_V8_APPLIED: '1', MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? defaultMallocArenaMax };
}
