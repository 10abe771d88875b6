import { describe, expect, it } from 'vitest';
import { missingV8Flags, reexecEnv } from '@halo/cli';
import { nodeCacheV8Flags } from './v8-flags.ts';

describe("the node cache's V8 flags", () => {
  it.each<[string, string[], NodeJS.ProcessEnv, string[] | null]>([
    ['plain node: 1 MB semi-spaces, the old generation grown by half', [], {}, ['--max-semi-space-size=1', '--heap-growing-percent=50']],
    ['others asked for', [], { HALO_NODE_CACHE_V8_FLAGS: '--max-semi-space-size=2' }, ['--max-semi-space-size=2']],
    ['after the re-exec', [], { HALO_NODE_CACHE_V8_APPLIED: '1' }, null],
    ['flags switched off', [], { HALO_NODE_CACHE_V8_FLAGS: '' }, null],
  ])('%s', (_label, execArgv, env, expected) => {
    expect(missingV8Flags(nodeCacheV8Flags, execArgv, env)).toEqual(expected);
  });

  it('limits the malloc arenas to 2', () => {
    expect(reexecEnv(nodeCacheV8Flags, {})).toEqual({ HALO_NODE_CACHE_V8_APPLIED: '1', MALLOC_ARENA_MAX: '2' });
  });
});
