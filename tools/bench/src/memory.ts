// Peak resident memory of a process as Linux counts it (VmHWM in /proc/<pid>/status), with its child
// processes, should a server fork workers.
import { readFile } from 'node:fs/promises';
import { sumOverTree } from './process-tree.ts';

/** The `VmHWM`/`VmRSS`/`RssAnon`/`RssFile` line of a /proc status text, in bytes. */
export function parseStatusKb(text: string, field: 'VmHWM' | 'VmRSS' | 'RssAnon' | 'RssFile'): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** A `/proc/<pid>/status` field of one process, in bytes; undefined when it is gone. */
async function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  return status === undefined ? undefined : (parseStatusKb(status, field) ?? 0);
}

/** Peak resident bytes of a process and its descendants; undefined when it is gone. */
export function peakMemory(pid: number): Promise<number | undefined> {
  return sumOverTree(pid, (p) => statusField(p, 'VmHWM'));
}

/** Resident bytes now (`VmRSS`) of a process and its descendants; undefined when it is gone. */
export function residentMemory(pid: number): Promise<number | undefined> {
  return sumOverTree(pid, (p) => statusField(p, 'VmRSS'));
}
