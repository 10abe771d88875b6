// The answerer's V8 flags. Node 24 grows the young generation to ~130 MB under a steady stream of small
// garbage (one answer per query); 4 MB semi-spaces keep the answerer's peak memory ~100 MB lower at
// 10 000 Services with no loss of throughput (measured with tools/bench). V8 reads the flag only at
// start, so the process replaces itself once with the flag (process.execve keeps the PID, so
// supervisors and signals are unaffected). HALO_ANSWERER_V8_FLAGS overrides the flags ("" for none).
export const defaultV8Flags = ['--max-semi-space-size=4'];

/** The flags still missing from this process, or null when it should not re-execute. */
export function missingV8Flags(execArgv: readonly string[], env: NodeJS.ProcessEnv): string[] | null {
  if (env.HALO_ANSWERER_V8_APPLIED === '1') return null;
  const wanted = env.HALO_ANSWERER_V8_FLAGS === undefined ? defaultV8Flags : env.HALO_ANSWERER_V8_FLAGS.split(/\s+/).filter(Boolean);
  const given = `${execArgv.join(' ')} ${env.NODE_OPTIONS ?? ''}`;
  const missing = wanted.filter((f) => !given.includes(f.split('=')[0] as string));
  return missing.length > 0 ? missing : null;
}
