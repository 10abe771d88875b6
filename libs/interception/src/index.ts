export type { Chain, Command, InterceptionSpec, IptablesBackend, LinkType, Rule, SpecError, Table } from './commands.ts';
// The command builders (pure) are tested through ./commands.ts; the API is the spec, the backends and createInterception.
export { IPTABLES_BACKENDS } from './commands.ts';
export type { Interception, InterceptionError, InterceptionState, Outcome, Runner, RunResult } from './interception.ts';
export { createInterception, detectBackend } from './interception.ts';
export type { AnswerCheck, ExitMode, ExitReport, GuardExitTiming } from './exit.ts';
export { answersWithin, cacheExit, EXIT_MODES, guardExit } from './exit.ts';
export type { ProbeResult, ProbeTarget } from './probe.ts';
export { probe } from './probe.ts';
