// onStop in a real process, with real signals.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';

const fixture = new URL('./fixtures/stopping.ts', import.meta.url).pathname;

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

function start(...args: string[]): { child: Child; out: () => string; err: () => string; line: (text: string) => Promise<void>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [fixture, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.split('\n').includes(text)) resolve();
        else if (child.exitCode !== null) reject(new Error(`exited ${child.exitCode} before "${text}": ${out}${err}`));
        else waiters.push(check);
      };
      check();
    });
  return { child, out: () => out, err: () => err, line, exit };
}

describe('onStop', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('stops once on %s, ignores a second signal, exits 0', async (signal) => {
    const p = start();
    await p.line('ready false');
    p.child.kill(signal);
    await p.line(`stopping ${signal} true`);
    p.child.kill(signal === 'SIGTERM' ? 'SIGINT' : 'SIGTERM');
    p.child.stdin.write('go\n');
    expect(await p.exit).toBe(0);
    expect(p.out()).toBe(`ready false\nstopping ${signal} true\nstopped\n`);
  });

  it('exits 1 with the reason when the teardown fails', async () => {
    const p = start('fail');
    await p.line('ready false');
    p.child.kill('SIGTERM');
    await p.line('stopping SIGTERM true');
    p.child.stdin.write('go\n');
    expect(await p.exit).toBe(1);
    expect(p.err()).toMatch(/stopping on SIGTERM failed: Error: the bus would not drain/);
  });
});
