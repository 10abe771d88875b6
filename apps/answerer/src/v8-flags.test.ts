import { describe, expect, it } from 'vitest';
import { missingV8Flags } from './v8-flags.ts';

describe('missingV8Flags', () => {
  it.each([
    ['plain node: the default flag', [], {}, ['--max-semi-space-size=4']],
    ['already on the command line', ['--max-semi-space-size=8'], {}, null],
    ['already in NODE_OPTIONS', [], { NODE_OPTIONS: '--max-semi-space-size=16' }, null],
    ['after the re-exec', [], { HALO_ANSWERER_V8_APPLIED: '1' }, null],
    ['flags switched off', [], { HALO_ANSWERER_V8_FLAGS: '' }, null],
    ['other flags asked for', ['--cpu-prof'], { HALO_ANSWERER_V8_FLAGS: '--max-semi-space-size=2 --max-old-space-size=512' }, ['--max-semi-space-size=2', '--max-old-space-size=512']],
  ])('%s', (_label, execArgv, env, expected) => {
    expect(missingV8Flags(execArgv, env)).toEqual(expected);
  });
});
