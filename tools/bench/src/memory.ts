// Peak resident memory of a process as Linux counts it (VmHWM in /proc/<pid>/status), with its child
// processes, should a server fork workers.
import { readdir, readFile } from 'node:fs/promises';

/** The `VmHWM`/`VmRSS`/`RssAnon`/`RssFile` line of a /proc status text, in bytes. */
export function parseStatusKb(text: string, field: 'VmHWM' | 'VmRSS' | 'RssAnon' | 'RssFile'): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** The pids whose parent is `pid`. */
export async function children(pid: number): Promise<number[]> {
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

/** Peak resident bytes of a process and its descendants; undefined when it is gone. */
export async function peakMemory(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (status === undefined) return undefined;
  let total = parseStatusKb(status, 'VmHWM') ?? 0;
  for (const child of await children(pid)) total += (await peakMemory(child)) ?? 0;
  return total;
}

/** Resident bytes now (`VmRSS`) of a process and its descendants; undefined when it is gone. */
export async function residentMemory(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (status === undefined) return undefined;
  let total = parseStatusKb(status, 'VmRSS') ?? 0;
  for (const child of await children(pid)) total += (await residentMemory(child)) ?? 0;
  return total;
}
