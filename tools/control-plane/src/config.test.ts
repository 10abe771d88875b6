import { describe, expect, it } from 'vitest';
import { readConfig, usage } from './config.ts';

describe('control-plane flags', () => {
  it.each<[string[], object]>([
    [[], { kubeconfig: undefined, port: undefined, seeds: [] }],
    [['--kubeconfig', '/tmp/k', '--port', '6443'], { kubeconfig: '/tmp/k', port: 6443, seeds: [] }],
    [['--seed', 'a.yaml', '--seed', 'b.yaml'], { seeds: ['a.yaml', 'b.yaml'] }],
  ])('%j → %j', (argv, wanted) => {
    expect(readConfig(argv)).toMatchObject({ ok: true, config: wanted });
  });

  it.each<[string[], RegExp]>([
    [['--port', '0'], /--port: not a port: 0/],
    [['--port', 'x'], /--port: not a port: x/],
    [['--bogus'], /Unknown option '--bogus'[\s\S]*Usage:/],
  ])('%j is refused: %s', (argv, message) => {
    const result = readConfig(argv);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
  });

  it('--help is the usage, as help', () => {
    expect(readConfig(['--help'])).toEqual({ ok: false, help: true, message: usage });
  });
});
