// Applies the interception to the node: runs `ip` and `iptables-save`/`iptables-restore`. Every
// operation is idempotent, so the cache and its guard may both call them in any order.
import { execFile } from 'node:child_process';
import {
  addressCommands,
  checkSpec,
  interfaceAddCommand,
  interfaceDeleteCommand,
  interfaceShowCommand,
  interfaceUpCommand,
  ownSavedLines,
  printCommand,
  restoreCommand,
  restoreScript,
  rulesOf,
  saveCommand,
  chooseBackend,
  type Command,
  type InterceptionSpec,
  type IptablesBackend,
  type Rule,
  type Table,
} from './commands.ts';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command, optionally with stdin; never throws (a missing program is code 127). */
export type Runner = (command: Command, stdin?: string) => Promise<RunResult>;

export interface InterceptionError {
  code: 'BAD_SPEC' | 'COMMAND_FAILED';
  message: string;
}

export type Outcome = { ok: true } | { ok: false; error: InterceptionError };

export interface InterceptionState {
  interfaceExists: boolean;
  /** Addresses on the interface, without prefix length. */
  addresses: string[];
  /** How many of our rules are installed (all families, both tables). */
  rules: number;
}

export interface Interception {
  readonly spec: InterceptionSpec;
  /** The iptables back end the rules are written to. */
  readonly backend: IptablesBackend;
  /** The interface, its addresses and the rules. */
  setUp(): Promise<Outcome>;
  /** Only the interface and its addresses: the cache binds to them before the rules send it traffic. */
  ensureInterface(): Promise<Outcome>;
  /** Only the rules (the guard puts the interception back with this). */
  addRules(): Promise<Outcome>;
  /** Only the rules: DNS to the Service IP goes through conntrack and kube-proxy's DNAT again. */
  removeRules(): Promise<Outcome>;
  /** The rules and the interface (with its addresses). */
  tearDown(): Promise<Outcome>;
  state(): Promise<InterceptionState>;
}

export const runCommand: Runner = (command, stdin) =>
  new Promise((resolve) => {
    const child = execFile(command.file, command.args, { timeout: 10_000, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : err.code === 'ENOENT' ? 127 : 1) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code !== 1 ? err.message : '') });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });

function failed(command: Command, r: RunResult, what: string): Outcome {
  return {
    ok: false,
    error: { code: 'COMMAND_FAILED', message: `${what}: \`${printCommand(command)}\` exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}` },
  };
}

/**
 * The node's iptables back end: asks both `iptables-legacy-save` and `iptables-nft-save` (IPv4 and
 * IPv6) and decides by `chooseBackend`; `system` where this machine has only plain `iptables`.
 */
export async function detectBackend(run: Runner = runCommand): Promise<IptablesBackend> {
  const saved = { legacy: '', nft: '' };
  for (const backend of ['legacy', 'nft'] as const) {
    const v4 = await run(saveCommand(4, undefined, backend));
    if (v4.code === 127) return 'system';
    const v6 = await run(saveCommand(6, undefined, backend));
    saved[backend] = `${v4.code === 0 ? v4.stdout : ''}\n${v6.code === 0 ? v6.stdout : ''}`;
  }
  return chooseBackend(saved);
}

export function createInterception(spec: InterceptionSpec, options: { runner?: Runner; backend?: IptablesBackend } = {}): Interception {
  const run = options.runner ?? runCommand;
  const backend = options.backend ?? 'system';
  const rules = rulesOf(spec);
  const families = [...new Set(rules.map((r) => r.family))];
  const specErrors = checkSpec(spec);
  const badSpec: Outcome | null =
    specErrors.length > 0 ? { ok: false, error: { code: 'BAD_SPEC', message: specErrors.map((e) => e.message).join('; ') } } : null;

  // One at a time: the guard's add and the cache's teardown must not interleave their save/restore.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  async function saved(family: 4 | 6): Promise<{ ok: true; byTable: Record<Table, string> } | { ok: false; outcome: Outcome }> {
    const byTable: Record<Table, string> = { raw: '', filter: '' };
    for (const table of ['raw', 'filter'] as const) {
      const c = saveCommand(family, table, backend);
      const r = await run(c);
      if (r.code !== 0) return { ok: false, outcome: failed(c, r, `cannot read the ${table} table`) };
      byTable[table] = r.stdout;
    }
    return { ok: true, byTable };
  }

  async function writeRules(mode: 'add' | 'remove'): Promise<Outcome> {
    if (badSpec) return badSpec;
    for (const family of families) {
      const current = await saved(family);
      if (!current.ok) return current.outcome;
      const script = restoreScript(
        current.byTable,
        rules.filter((r: Rule) => r.family === family),
        mode,
      );
      if (script === '') continue;
      const c = restoreCommand(family, backend);
      const r = await run(c, script);
      if (r.code !== 0) return failed(c, r, mode === 'add' ? 'cannot install the interception rules' : 'cannot remove the interception rules');
    }
    return { ok: true };
  }

  async function ensureInterface(): Promise<Outcome> {
    if (badSpec) return badSpec;
    const show = await run(interfaceShowCommand(spec));
    if (show.code !== 0) {
      const add = interfaceAddCommand(spec, 'dummy');
      let r = await run(add);
      if (r.code !== 0 && /unknown device type/i.test(r.stderr)) r = await run(interfaceAddCommand(spec, 'bridge'));
      if (r.code !== 0) return failed(add, r, `cannot create the dummy interface ${spec.interfaceName}`);
    }
    for (const c of [interfaceUpCommand(spec), ...addressCommands(spec)]) {
      const r = await run(c);
      if (r.code !== 0) return failed(c, r, `cannot configure ${spec.interfaceName}`);
    }
    return { ok: true };
  }

  async function removeInterface(): Promise<Outcome> {
    if (badSpec) return badSpec;
    const show = await run(interfaceShowCommand(spec));
    if (show.code !== 0) return { ok: true };
    const c = interfaceDeleteCommand(spec);
    const r = await run(c);
    return r.code === 0 ? { ok: true } : failed(c, r, `cannot delete ${spec.interfaceName}`);
  }

  return {
    spec,
    backend,
    setUp: () =>
      serial(async () => {
        const i = await ensureInterface();
        return i.ok ? writeRules('add') : i;
      }),
    ensureInterface: () => serial(ensureInterface),
    addRules: () => serial(() => writeRules('add')),
    removeRules: () => serial(() => writeRules('remove')),
    tearDown: () =>
      serial(async () => {
        const r = await writeRules('remove');
        const i = await removeInterface();
        return r.ok ? i : r;
      }),
    state: () =>
      serial(async () => {
        const show = await run(interfaceShowCommand(spec));
        const addresses =
          show.code === 0
            ? [...show.stdout.matchAll(/\binet6?\s+([0-9a-fA-F.:]+)\//g)].map((m) => m[1]).filter((a) => !a.toLowerCase().startsWith('fe80:'))
            : [];
        let count = 0;
        for (const family of families) {
          const s = await saved(family);
          if (s.ok) count += ownSavedLines(s.byTable.raw).length + ownSavedLines(s.byTable.filter).length;
        }
        return { interfaceExists: show.code === 0, addresses, rules: count };
      }),
  };
}
