import { describe, expect, it } from 'vitest';
import { readFlags } from './flags.ts';

const usage = 'Usage: halo-test [options]\n  --port N  the port';
const options = { port: { type: 'string' }, verbose: { type: 'boolean' } } as const;

describe('readFlags', () => {
  it.each<[string[], Record<string, unknown>]>([
    [[], {}],
    [['--port', '53'], { port: '53' }],
    [['--port=53', '--verbose'], { port: '53', verbose: true }],
  ])('reads %j', (argv, expected) => {
    expect(readFlags(argv, options, usage)).toEqual({ ok: true, values: expected });
  });

  it.each<[string[], RegExp]>([
    [['--bogus'], /^Unknown option '--bogus'[^]*\nUsage: halo-test/],
    [['--port'], /^Option '--port <value>' argument missing\nUsage: halo-test/],
    [['stray'], /Unexpected argument 'stray'[^]*\nUsage: halo-test/],
    [['--help'], /^Usage: halo-test \[options\]\n {2}--port N {2}the port$/],
    [['-h', '--port', '53'], /^Usage: halo-test/],
  ])('refuses %j with the usage', (argv, message) => {
    const r = readFlags(argv, options, usage);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it('does not hand back help as a value', () => {
    const r = readFlags([], options, usage);
    expect(r.ok && 'help' in r.values).toBe(false);
  });
});
