// V8 reads its flags (heap sizes, GC tuning) only at start, and glibc its MALLOC_ARENA_MAX likewise, so
// an app that wants its own replaces itself once with them (process.execve keeps the PID: supervisors,
// signals and the container runtime see one process). Each app names its environment prefix:
// <PREFIX>_V8_FLAGS overrides the app's flags ("" for none), <PREFIX>_V8_APPLIED marks the re-exec.

export interface V8FlagsPlan {
  /** The environment prefix, e.g. HALO_NODE_CACHE. */
  prefix: string;
  /** The app's flags, e.g. ['--max-semi-space-size=1']. */
  defaults: readonly string[];
  /**
   * glibc gives threads that allocate (V8's compiler and GC threads do) arenas of their own and each
   * keeps what was freed in it; this many arenas at most, unless MALLOC_ARENA_MAX is set.
   */
  mallocArenaMax?: string;
}

/** The flags still missing from this process, or null when it should not re-execute. */
export function missingV8Flags(plan: V8FlagsPlan, execArgv: readonly string[], env: NodeJS.ProcessEnv): string[] | null {
  if (env[`${plan.prefix}_V8_APPLIED`] === '1') return null;
  const asked = env[`${plan.prefix}_V8_FLAGS`];
  const wanted = asked === undefined ? plan.defaults : asked.split(/\s+/).filter(Boolean);
  const given = `${execArgv.join(' ')} ${env.NODE_OPTIONS ?? ''}`;
  const missing = wanted.filter((f) => !given.includes(f.split('=')[0] as string));
  return missing.length > 0 ? missing : null;
}

/** The environment of the re-executed process: marked as done, with the malloc arena limit. */
export function reexecEnv(plan: V8FlagsPlan, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const arenas = env.MALLOC_ARENA_MAX ?? plan.mallocArenaMax;
  return { ...env, [`${plan.prefix}_V8_APPLIED`]: '1', ...(arenas === undefined ? {} : { MALLOC_ARENA_MAX: arenas }) };
}

/**
 * Replaces this process with itself plus the flags it is missing; returns (doing nothing) when none are
 * missing or this Node cannot execve. Call it before anything else loads: what ran before is lost.
 */
export function reexecWithV8Flags(plan: V8FlagsPlan): void {
  const missing = missingV8Flags(plan, process.execArgv, process.env);
  if (missing && typeof process.execve === 'function') {
    process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], reexecEnv(plan, process.env));
  }
}
