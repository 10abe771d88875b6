import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { TestingError } from './errors.ts';

export interface ChildHandle {
  pid: number;
  /** Every line the child wrote to stdout and stderr so far. */
  lines: string[];
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends the signal (default SIGTERM) and resolves with the exit code once the child is gone. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolve only once a line matches. */
  readyLine?: RegExp;
  timeoutMs?: number;
}

/** The repository's Node 24 (node_modules/.bin/node), which runs .ts files; else the running node. */
export function nodeBinary(): string {
  const repoNode = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));
  return existsSync(repoNode) ? repoNode : process.execPath;
}

const running = new Set<number>();
let exitHookInstalled = false;

// A failed test must not leave servers behind: whatever is still running when the test process exits is killed.
function killLeftovers(): void {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Spawns a process and collects its output lines. `node` and `*.ts` entry points run on the repo's Node 24.
 */
export async function spawnProcess(command: string, args: string[], options: SpawnOptions = {}): Promise<ChildHandle> {
  let file = command;
  let argv = args;
  if (command === 'node') file = nodeBinary();
  else if (command.endsWith('.ts')) {
    file = nodeBinary();
    argv = [command, ...args];
  }
  if (!exitHookInstalled) {
    process.once('exit', killLeftovers);
    exitHookInstalled = true;
  }

  const child = spawn(file, argv, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const lineWaiters = new Set<(line: string) => void>();
  const onLine = (line: string) => {
    lines.push(line);
    for (const waiter of lineWaiters) waiter(line);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);

  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', (error) => {
      reject(new TestingError('spawn-failed', `cannot start ${file}: ${error.message}`, { cause: error }));
    });
    child.once('exit', (code, signal) => {
      if (child.pid !== undefined) running.delete(child.pid);
      resolve(code ?? (signal ? null : 0));
    });
  });
  // Spawn errors surface through waitForLine/spawn's own rejection; keep an unobserved one from crashing the run.
  exited.catch(() => undefined);

  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new TestingError('spawn-failed', `cannot start ${file}: ${error.message}`, { cause: error })));
  });
  const pid = child.pid as number;
  running.add(pid);
  let done = false;
  exited.then(
    () => (done = true),
    () => (done = true),
  );

  const waitForLine = (re: RegExp, timeoutMs = options.timeoutMs ?? 10_000): Promise<string> => {
    const seen = lines.find((line) => re.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const finish = (error: Error | undefined, line?: string) => {
        clearTimeout(timer);
        lineWaiters.delete(waiter);
        if (error) reject(error);
        else resolve(line as string);
      };
      const waiter = (line: string) => {
        if (re.test(line)) finish(undefined, line);
      };
      const tail = () => lines.slice(-20).join('\n');
      const timer = setTimeout(
        () => finish(new TestingError('timeout', `no line matching ${re} from ${command} within ${timeoutMs} ms; last lines:\n${tail()}`)),
        timeoutMs,
      );
      lineWaiters.add(waiter);
      exited.then(
        (code) => finish(new TestingError('exited', `${command} exited (code ${code}) before a line matched ${re}; last lines:\n${tail()}`)),
        (error: Error) => finish(error),
      );
    });
  };

  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (!done) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
    return exited;
  };

  const handle: ChildHandle = { pid, lines, waitForLine, kill, exited };
  if (options.readyLine) {
    try {
      await waitForLine(options.readyLine);
    } catch (error) {
      await kill('SIGKILL');
      throw error;
    }
  }
  return handle;
}
