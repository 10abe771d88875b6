export type { Chain, Command, InterceptionSpec, IptablesBackend, LinkType, Rule, SpecError, Table } from './commands.ts';
export {
  addressCommands,
  checkSpec,
  chooseBackend,
  IPTABLES_BACKENDS,
  iptablesProgram,
  interfaceAddCommand,
  interfaceDeleteCommand,
  ownSavedLines,
  printCommand,
  restoreScript,
  RULE_COMMENT,
  ruleCommand,
  rulesFor,
  rulesOf,
  saveLine,
} from './commands.ts';
export type { Interception, InterceptionError, InterceptionState, Outcome, Runner, RunResult } from './interception.ts';
export { createInterception, detectBackend, runCommand } from './interception.ts';
export type { AnswerCheck, ExitMode, ExitReport, GuardExitTiming } from './exit.ts';
export { answersWithin, cacheExit, EXIT_MODES, guardExit } from './exit.ts';
export type { ProbeResult, ProbeTarget } from './probe.ts';
export { probe } from './probe.ts';
