export { readFlags, configOrExit } from './flags.ts';
export type { Parsed, Refusal, FlagsResult, ConfigResult, FlagValues } from './flags.ts';
export { parsePort, parseHostPort, parseHostPorts, parseDurationMs, parseWholeNumber, parseNatsServers, splitList } from './values.ts';
export type { HostPort } from './values.ts';
export { onStop } from './stop.ts';
export type { StopState, StopSignal } from './stop.ts';
export { missingV8Flags, reexecEnv, reexecWithV8Flags } from './v8-flags.ts';
export type { V8FlagsPlan } from './v8-flags.ts';
