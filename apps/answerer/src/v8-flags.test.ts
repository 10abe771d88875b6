import { describe, expect, it } from 'vitest';
import { missingV8Flags, reexecEnv } from './v8-flags.ts';

describe('missingV8Flags', () => {
  it.each([
    ['plain node: the default flags', [], {}, ['--max-semi-space-size=4', '--heap-growing-percent=100']],
    ['already on the command line', ['--max-semi-space-size=8', '--heap-growing-percent=50'], {}, null],
    ['one given, the other missing', ['--max-semi-space-size=8'], {}, ['--heap-growing-percent=100']],
    ['already in NODE_OPTIONS', [], { NODE_OPTIONS: '--max-semi-space-size=16 --heap-growing-percent=30' }, null],
    ['after the re-exec', [], { HALO_ANSWERER_V8_APPLIED: '1' }, null],
    ['flags switched off', [], { HALO_ANSWERER_V8_FLAGS: '' }, null],
    ['other flags asked for', ['--cpu-prof'], { HALO_ANSWERER_V8_FLAGS: '--max-semi-space-size=2 --max-old-space-size=512' }, ['--max-semi-space-size=2', '--max-old-space-size=512']],
  ])('%s', (_label, execArgv, env, expected) => {
    expect(missingV8Flags(execArgv, env)).toEqual(expected);
  });
});

describe('reexecEnv', () => {
  it.each([
    ['marks the re-exec and limits the malloc arenas', { PATH: '/bin' }, { PATH: '/bin', HALO_ANSWERER_V8_APPLIED: '1', MALLOC_ARENA_MAX: '2' }],
    ['keeps an arena limit given', { MALLOC_ARENA_MAX: '8' }, { HALO_ANSWERER_V8_APPLIED: '1', MALLOC_ARENA_MAX: '8' }],
  ])('%s', (_label, env, expected) => {
    expect(reexecEnv(env)).toEqual(expected);
  });
});
