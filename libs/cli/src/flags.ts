// Flags as every process reads them: strict, with -h/--help, and the usage text beside every complaint.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** What a flag or a value read to: the value, or a message for the operator that names the flag. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Why a process does not start: the operator asked for `--help` (`help: true`, the message is the usage;
 * a success, exit 0), or a usage error (no `help`; the message says what is wrong; exit 2).
 */
export type Refusal = { ok: false; message: string; help?: true };

/** Flags read, with the positional arguments when they were accepted (`[]` otherwise, as node types them). */
export type FlagsResult<V, P extends boolean = false> = { ok: true; values: V; positionals: P extends true ? string[] : [] } | Refusal;

/** A process's config read from its flags and environment, or why it does not start. */
export type ConfigResult<T> = { ok: true; config: T } | Refusal;

const help = { help: { type: 'boolean', short: 'h' } } as const;

/** The values `parseArgs` gives for these options, read strictly. */
export type FlagValues<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; options: O }>>['values'];

/**
 * Reads `argv` against `options` (plus `-h`/`--help`). An unknown flag, a missing value or a positional
 * argument (unless `accept.positionals`) gives node's message followed by `usage`; `--help` gives `usage`
 * alone with `help: true`, so that the caller can tell a request for help (exit 0) from a usage error
 * (exit 2). `configOrExit` does both.
 */
export function readFlags<const O extends ParseArgsOptionsConfig, const P extends boolean = false>(
  argv: readonly string[],
  options: O,
  usage: string,
  accept: { positionals?: P } = {},
): FlagsResult<FlagValues<O>, P> {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: accept.positionals === true,
      options: { ...options, ...help } as ParseArgsOptionsConfig,
    }));
  } catch (err) {
    return { ok: false, message: `${err instanceof Error ? err.message : String(err)}\n${usage}` };
  }
  if (values.help === true) return { ok: false, help: true, message: usage };
  delete values.help;
  return { ok: true, values: values as FlagValues<O>, positionals: positionals as P extends true ? string[] : [] };
}

/**
 * The config a process read, or the end of the process: on `--help` the usage on stdout and exit code 0,
 * on a usage error its message on stderr and exit code 2.
 */
export function configOrExit<T>(result: ConfigResult<T>): T {
  if (result.ok) return result.config;
  if (result.help) {
    console.log(result.message);
    process.exit(0);
  }
  console.error(result.message);
  process.exit(2);
}
