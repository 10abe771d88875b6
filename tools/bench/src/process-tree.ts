// A server process and the processes it started (workers, a re-execution with V8 flags), as /proc
// lists them: the benches add up what each of them uses.
import { readdir, readFile } from 'node:fs/promises';

/** The pids whose parent is `pid`. */
async function children(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The parent pid is the second field after the parenthesised command name.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) found.push(Number(entry));
  }
  return found;
}

/**
 * `read` of a process plus `read` of each of its descendants still there; undefined when the
 * process itself is gone (or `read` finds nothing for it).
 */
export async function sumOverTree(pid: number, read: (pid: number) => Promise<number | undefined>): Promise<number | undefined> {
  const own = await read(pid);
  if (own === undefined) return undefined;
  let total = own;
  for (const child of await children(pid)) total += (await sumOverTree(child, read)) ?? 0;
  return total;
}
