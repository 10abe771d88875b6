import { describe, expect, it } from 'vitest';
import { missingV8Flags, reexecEnv, type V8FlagsPlan } from './v8-flags.ts';

const plan: V8FlagsPlan = { prefix: 'HALO_X', defaults: ['--max-semi-space-size=4', '--heap-growing-percent=100'], mallocArenaMax: '2' };

describe('missingV8Flags', () => {
  it.each<[string, string[], NodeJS.ProcessEnv, string[] | null]>([
    ['plain node: the default flags', [], {}, ['--max-semi-space-size=4', '--heap-growing-percent=100']],
    ['already on the command line', ['--max-semi-space-size=8', '--heap-growing-percent=50'], {}, null],
    ['one given, the other missing', ['--max-semi-space-size=8'], {}, ['--heap-growing-percent=100']],
    ['already in NODE_OPTIONS', [], { NODE_OPTIONS: '--max-semi-space-size=16 --heap-growing-percent=30' }, null],
    ['after the re-exec', [], { HALO_X_V8_APPLIED: '1' }, null],
    ["another app's re-exec is not this one's", [], { HALO_Y_V8_APPLIED: '1' }, ['--max-semi-space-size=4', '--heap-growing-percent=100']],
    ['flags switched off', [], { HALO_X_V8_FLAGS: '' }, null],
    [
      'other flags asked for',
      ['--cpu-prof'],
      { HALO_X_V8_FLAGS: '--max-semi-space-size=2 --max-old-space-size=512' },
      ['--max-semi-space-size=2', '--max-old-space-size=512'],
    ],
  ])('%s', (_label, execArgv, env, expected) => {
    expect(missingV8Flags(plan, execArgv, env)).toEqual(expected);
  });
});

describe('reexecEnv', () => {
  it.each<[string, V8FlagsPlan, NodeJS.ProcessEnv, NodeJS.ProcessEnv]>([
    ['marks the re-exec and limits the malloc arenas', plan, { PATH: '/bin' }, { PATH: '/bin', HALO_X_V8_APPLIED: '1', MALLOC_ARENA_MAX: '2' }],
    ['keeps an arena limit given', plan, { MALLOC_ARENA_MAX: '8' }, { HALO_X_V8_APPLIED: '1', MALLOC_ARENA_MAX: '8' }],
    ['no arena limit when the plan has none', { prefix: 'HALO_X', defaults: [] }, {}, { HALO_X_V8_APPLIED: '1' }],
  ])('%s', (_label, p, env, expected) => {
    expect(reexecEnv(p, env)).toEqual(expected);
  });
});
