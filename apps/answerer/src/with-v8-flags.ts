// Imported first by main.ts: replaces the process once with the answerer's V8 flags (see v8-flags.ts).
import { missingV8Flags, reexecEnv } from './v8-flags.ts';

const missing = missingV8Flags(process.execArgv, process.env);
if (missing && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], reexecEnv(process.env));
}
