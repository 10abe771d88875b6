import { describe, expect, it } from 'vitest';
import { missingV8Flags, reexecEnv } from '@halo/cli';
import { answererV8Flags } from './v8-flags.ts';

describe("the answerer's V8 flags", () => {
  it.each<[string, string[], NodeJS.ProcessEnv, string[] | null]>([
    ['plain node: 2 MB semi-spaces, the old generation grown by 1.2×', [], {}, ['--max-semi-space-size=2', '--heap-growing-percent=20']],
    ['after the re-exec', [], { HALO_ANSWERER_V8_APPLIED: '1' }, null],
    ['flags switched off', [], { HALO_ANSWERER_V8_FLAGS: '' }, null],
  ])('%s', (_label, execArgv, env, expected) => {
    expect(missingV8Flags(answererV8Flags, execArgv, env)).toEqual(expected);
  });

  it('limits the malloc arenas to 2', () => {
    expect(reexecEnv(answererV8Flags, {})).toEqual({ HALO_ANSWERER_V8_APPLIED: '1', MALLOC_ARENA_MAX: '2' });
  });
});
