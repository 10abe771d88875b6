export { readFlags, configOrExit } from './flags.ts';
export type { Parsed, FlagsResult, FlagValues } from './flags.ts';
export { parsePort, parseHostPort, parseHostPorts, parseDurationMs, parseWholeNumber, parseNatsServers, splitList } from './values.ts';
export type { HostPort } from './values.ts';
export { onStop } from './stop.ts';
export type { StopState, StopSignal } from './stop.ts';
