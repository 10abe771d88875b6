// configOrExit in a real process: what the operator sees and the exit code a script or kubelet gets.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const fixture = new URL('./fixtures/configured.ts', import.meta.url).pathname;
const usage = 'Usage: configured [options]\n  --port N  the port\n';

describe('configOrExit', () => {
  // Each row: argv, then the exit code, stdout and stderr.
  it.each<[string[], number, string | RegExp, string | RegExp]>([
    [[], 0, 'port 53\n', ''],
    [['--port', '5353'], 0, 'port 5353\n', ''],
    [['--help'], 0, usage, ''],
    [['-h', '--port', 'x'], 0, usage, ''],
    [['--port', 'x'], 2, '', '--port: not a port: x\n'],
    [['--bogus'], 2, '', /^Unknown option '--bogus'[^]*\nUsage: configured \[options\]\n {2}--port N {2}the port\n$/],
    [['stray'], 2, '', /^Unexpected argument 'stray'[^]*\nUsage: configured/],
  ])('%j exits %d', (argv, code, stdout, stderr) => {
    const r = spawnSync(process.execPath, [fixture, ...argv], { encoding: 'utf8' });
    expect(r.status).toBe(code);
    if (typeof stdout === 'string') expect(r.stdout).toBe(stdout);
    else expect(r.stdout).toMatch(stdout);
    if (typeof stderr === 'string') expect(r.stderr).toBe(stderr);
    else expect(r.stderr).toMatch(stderr);
  });
});
