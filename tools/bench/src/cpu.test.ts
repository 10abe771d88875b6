import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { cpuPerQuery, cpuTime, parseStatCpu, type CpuTime } from './cpu.ts';

describe('parseStatCpu', () => {
  const cases: [string, string, ReturnType<typeof parseStatCpu>][] = [
    [
      'a plain command',
      '1843 (node) S 1 1843 1843 0 -1 4194560 31190 0 0 0 4512 3498 0 0 20 0 11 0 3861 1150640128 27001 18446744073709551615',
      { userSeconds: 45.12, systemSeconds: 34.98 },
    ],
    ['a command with spaces and parentheses', '7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 250 100 0 0 20 0 1 0 1', { userSeconds: 2.5, systemSeconds: 1 }],
    ['cut short', '7 (x) R 1 7 7 0 -1 0 0 0 0 0 250', undefined],
    ['no command', 'garbage', undefined],
  ];
  it.each(cases)('%s', (_, text, want) => {
    expect(parseStatCpu(text)).toEqual(want);
  });
});

describe('cpuPerQuery', () => {
  it('divides the time between two readings by the queries answered', () => {
    const got = cpuPerQuery({ userSeconds: 10, systemSeconds: 5 }, { userSeconds: 12.5, systemSeconds: 6 }, 1_000_000);
    expect(got?.userMicros).toBeCloseTo(2.5);
    expect(got?.systemMicros).toBeCloseTo(1);
    expect(cpuPerQuery({ userSeconds: 0, systemSeconds: 0 }, { userSeconds: 1, systemSeconds: 1 }, 0)).toBeUndefined();
  });
});

/** User seconds of a reading that must exist. */
const userOf = (t: CpuTime | undefined): number => {
  if (t === undefined) throw new Error('no reading');
  return t.userSeconds;
};

describe('cpuTime', () => {
  it('reads this process, and counts up as it works', async () => {
    const before = await cpuTime(process.pid);
    // 50 ms of user time by Node's own count (process.cpuUsage), then the same seen in /proc.
    const start = process.cpuUsage().user;
    let x = 0;
    while (process.cpuUsage().user - start < 50_000) x += Math.sqrt(x + 1);
    const after = await cpuTime(process.pid);
    expect(x).toBeGreaterThan(0);
    expect(userOf(after) - userOf(before)).toBeGreaterThanOrEqual(0.03);
  });
  it('is undefined for a process that is gone', async () => {
    expect(await cpuTime(2 ** 22 + 1)).toBeUndefined();
  });
});

describe('cpuTime of a process tree', () => {
  it('counts the work of a child process', async () => {
    // A parent that only waits, and its child that spins for 200 ms of CPU, then waits too.
    const spin = 'const s=process.cpuUsage().user;let x=0;while(process.cpuUsage().user-s<200000)x+=Math.sqrt(x+1);setInterval(()=>{},1000)';
    const parentCode = `require('node:child_process').spawn(process.execPath,['-e',${JSON.stringify(spin)}],{stdio:'inherit'});setInterval(()=>{},1000)`;
    const parent = spawn(process.execPath, ['-e', parentCode], { stdio: 'inherit', detached: true });
    const pid = parent.pid;
    if (pid === undefined) throw new Error('node did not start');
    try {
      const ownOnly = async () => userOf(parseStatCpu(await readFile(`/proc/${pid}/stat`, 'utf8')));
      let tree = userOf(await cpuTime(pid));
      for (let i = 0; i < 200 && tree - (await ownOnly()) < 0.15; i++) {
        await new Promise((r) => setTimeout(r, 50));
        tree = userOf(await cpuTime(pid));
      }
      expect(tree - (await ownOnly())).toBeGreaterThanOrEqual(0.15);
    } finally {
      process.kill(-pid, 'SIGKILL');
    }
  });
});
