import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort, spawnProcess } from '@halo/testing';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));

/** The guard as started, after its re-exec (same PID): its command line and environment. */
async function startedGuard(env: NodeJS.ProcessEnv): Promise<{ argv: string[]; environ: string[] }> {
  const probe = `127.0.0.1:${await freePort({ udp: true })}`;
  const guard = await spawnProcess(main, ['--probe', probe, '--admin-host', '127.0.0.1', '--admin-port', '0'], {
    readyLine: /"ready":true/,
    timeoutMs: 30_000,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
  });
  try {
    const argv = (await readFile(`/proc/${guard.pid}/cmdline`, 'utf8')).split('\0');
    const environ = (await readFile(`/proc/${guard.pid}/environ`, 'utf8')).split('\0');
    return { argv, environ };
  } finally {
    await guard.kill('SIGTERM');
  }
}

describe.skipIf(process.platform !== 'linux')("the guard's V8 flags", () => {
  it.each<[string, NodeJS.ProcessEnv, string[], string[]]>([
    [
      'by default: 1 MB semi-spaces, the interpreter alone, two malloc arenas',
      {},
      ['--max-semi-space-size=1', '--no-opt', '--no-maglev', '--no-sparkplug'],
      ['MALLOC_ARENA_MAX=2'],
    ],
    ['others asked for', { HALO_NODE_GUARD_V8_FLAGS: '--max-semi-space-size=2' }, ['--max-semi-space-size=2'], ['MALLOC_ARENA_MAX=2']],
    ['none asked for: no re-exec', { HALO_NODE_GUARD_V8_FLAGS: '' }, [], []],
  ])('%s', async (_label, env, flags, environ) => {
    const started = await startedGuard(env);
    const given = started.argv.filter((a) => a.startsWith('--') && started.argv.indexOf(a) < started.argv.indexOf(main));
    expect(given).toEqual(flags);
    for (const variable of environ) expect(started.environ).toContain(variable);
  });
});
