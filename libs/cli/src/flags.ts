// Flags as every app reads them: strict, with -h/--help, and the usage text beside every complaint.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** What a flag or a value read to: the value, or a message for the operator that names the flag. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export type FlagsResult<V> = { ok: true; values: V } | { ok: false; message: string };

const help = { help: { type: 'boolean', short: 'h' } } as const;

/** The values `parseArgs` gives for these options, read strictly. */
export type FlagValues<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; options: O }>>['values'];

/**
 * Reads `argv` against `options` (plus `-h`/`--help`). An unknown flag, a missing value or a stray
 * positional gives node's message followed by `usage`; `--help` gives `usage` alone. Both are `ok: false`:
 * the caller prints the message and exits 2, as our apps always have.
 */
export function readFlags<const O extends ParseArgsOptionsConfig>(argv: readonly string[], options: O, usage: string): FlagsResult<FlagValues<O>> {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, options: { ...options, ...help } as ParseArgsOptionsConfig }));
  } catch (err) {
    return { ok: false, message: `${err instanceof Error ? err.message : String(err)}\n${usage}` };
  }
  if (values.help === true) return { ok: false, message: usage };
  delete values.help;
  return { ok: true, values: values as FlagValues<O> };
}

/**
 * A config read by `readConfig(argv, env)`, or the end of the process: its message on stderr and exit
 * code 2 (a usage error), as every app's main.ts did by hand.
 */
export function configOrExit<T>(result: { ok: true; config: T } | { ok: false; message: string }): T {
  if (result.ok) return result.config;
  console.error(result.message);
  process.exit(2);
}
