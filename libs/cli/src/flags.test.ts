import { describe, expect, expectTypeOf, it } from 'vitest';
import { readFlags } from './flags.ts';

const usage = 'Usage: halo-test [options]\n  --port N  the port';
const options = { port: { type: 'string' }, verbose: { type: 'boolean' } } as const;

describe('readFlags', () => {
  // Each row: argv, whether positionals are accepted, then the values and positionals read.
  it.each<[string[], boolean, Record<string, unknown>, string[]]>([
    [[], false, {}, []],
    [['--port', '53'], false, { port: '53' }, []],
    [['--port=53', '--verbose'], false, { port: '53', verbose: true }, []],
    [[], true, {}, []],
    [['answerer'], true, {}, ['answerer']],
    [['cache', '--port', '53'], true, { port: '53' }, ['cache']],
    [['--verbose', 'a', 'b'], true, { verbose: true }, ['a', 'b']],
    [['--port', '53', '--', '--verbose'], true, { port: '53' }, ['--verbose']],
  ])('reads %j (positionals accepted: %s)', (argv, positionals, values, rest) => {
    expect(readFlags(argv, options, usage, { positionals })).toEqual({ ok: true, values, positionals: rest });
  });

  // A usage error: node's message, then the usage; help is not set, so the caller exits 2.
  it.each<[string[], boolean, RegExp]>([
    [['--bogus'], false, /^Unknown option '--bogus'[^]*\nUsage: halo-test/],
    [['--port'], false, /^Option '--port <value>' argument missing\nUsage: halo-test/],
    [['stray'], false, /Unexpected argument 'stray'[^]*\nUsage: halo-test/],
    [['--verbose=yes'], false, /^Option '--verbose' does not take an argument\nUsage: halo-test/],
    [['answerer', '--bogus'], true, /^Unknown option '--bogus'[^]*\nUsage: halo-test/],
    [['--bogus', '--help'], false, /^Unknown option '--bogus'/],
  ])('refuses %j (positionals accepted: %s) as a usage error', (argv, positionals, message) => {
    const r = readFlags(argv, options, usage, { positionals });
    expect(r).toMatchObject({ ok: false, message: expect.stringMatching(message) });
    expect(r).not.toHaveProperty('help');
  });

  // Help: the usage alone, marked as help, so the caller prints it and exits 0.
  it.each<[string[], boolean]>([
    [['--help'], false],
    [['-h'], false],
    [['-h', '--port', '53'], false],
    [['--port', '53', '--help'], false],
    [['answerer', '--help'], true],
  ])('answers %j (positionals accepted: %s) with the usage as help', (argv, positionals) => {
    expect(readFlags(argv, options, usage, { positionals })).toEqual({ ok: false, help: true, message: usage });
  });

  it('does not hand back help as a value', () => {
    const r = readFlags([], options, usage);
    expect(r.ok && 'help' in r.values).toBe(false);
  });

  it('types positionals as strings only where they are accepted', () => {
    const without = readFlags([], options, usage);
    const accepted = readFlags(['cache'], options, usage, { positionals: true });
    if (without.ok) expectTypeOf(without.positionals).toEqualTypeOf<[]>();
    if (accepted.ok) expectTypeOf(accepted.positionals).toEqualTypeOf<string[]>();
    if (accepted.ok) expectTypeOf(accepted.values).toEqualTypeOf<{ port?: string | undefined; verbose?: boolean | undefined }>();
  });
});
