// CPU time of a server process as Linux counts it (utime and stime in /proc/<pid>/stat), read before
// and after a measured run: what each answered query cost in user space and in the kernel.
import { readFile } from 'node:fs/promises';
import { sumOverTree } from './process-tree.ts';

/** Linux's USER_HZ: the unit of /proc/<pid>/stat's times, 100 on every architecture Linux exports it for. */
const TICKS_PER_SECOND = 100;

export interface CpuTime {
  userSeconds: number;
  systemSeconds: number;
}

/** utime and stime of a /proc/<pid>/stat text, in seconds; undefined when it does not parse. */
export function parseStatCpu(text: string): CpuTime | undefined {
  // The command name is in parentheses and may hold spaces: count fields after its closing one.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") ": state(3) ppid(4) … utime(14) stime(15), so utime is the 12th field of the rest.
  const fields = text.slice(close + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (!Number.isInteger(user) || !Number.isInteger(system)) return undefined;
  return { userSeconds: user / TICKS_PER_SECOND, systemSeconds: system / TICKS_PER_SECOND };
}

/** One process's utime or stime in seconds; undefined when it is gone. */
async function statTime(pid: number, which: keyof CpuTime): Promise<number | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseStatCpu(text)?.[which];
}

/**
 * CPU time used so far by a process and its descendants (a server that re-executes itself with its
 * V8 flags works in its child); undefined when it is gone.
 */
export async function cpuTime(pid: number): Promise<CpuTime | undefined> {
  const userSeconds = await sumOverTree(pid, (p) => statTime(p, 'userSeconds'));
  const systemSeconds = await sumOverTree(pid, (p) => statTime(p, 'systemSeconds'));
  return userSeconds === undefined || systemSeconds === undefined ? undefined : { userSeconds, systemSeconds };
}

/** Microseconds of user and system time per query between two readings. */
export function cpuPerQuery(before: CpuTime, after: CpuTime, queries: number): { userMicros: number; systemMicros: number } | undefined {
  if (queries <= 0) return undefined;
  return {
    userMicros: ((after.userSeconds - before.userSeconds) * 1e6) / queries,
    systemMicros: ((after.systemSeconds - before.systemSeconds) * 1e6) / queries,
  };
}
