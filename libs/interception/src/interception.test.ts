// The interception on a real kernel: a network namespace of the test's own, `ip` and `iptables` inside it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInterception, runCommand, type Runner } from './interception.ts';

function canUseNetns(): string | null {
  if (process.getuid?.() !== 0) return 'not root: creating a network namespace needs root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    execFileSync('iptables', ['--version'], { stdio: 'ignore' });
  } catch {
    return '`ip` or `iptables` is not installed (Debian: iproute2, iptables)';
  }
  return null;
}

const reason = canUseNetns();
if (reason) console.warn(`skipping the network namespace tests: ${reason}`);

describe.skipIf(reason !== null)('interception in a network namespace', () => {
  const ns = `halo-i-${randomBytes(3).toString('hex')}`;
  const inNs: Runner = (c, stdin) => runCommand({ file: 'ip', args: ['netns', 'exec', ns, c.file, ...c.args] }, stdin);
  const spec = { interfaceName: 'halo-dns0', addresses: ['169.254.20.10', '10.96.0.10'], port: 53 };

  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
  });
  afterAll(() => {
    execFileSync('ip', ['netns', 'del', ns]);
  });

  it('sets up, drops and restores the rules, and tears down, each idempotent', async () => {
    const i = createInterception(spec, { runner: inNs });
    expect(await i.state()).toEqual({ interfaceExists: false, addresses: [], rules: 0 });
    expect(await i.setUp()).toEqual({ ok: true });
    expect(await i.setUp()).toEqual({ ok: true });
    expect(await i.state()).toEqual({ interfaceExists: true, addresses: ['169.254.20.10', '10.96.0.10'], rules: 20 });
    expect(await i.removeRules()).toEqual({ ok: true });
    expect(await i.removeRules()).toEqual({ ok: true });
    expect((await i.state()).rules).toBe(0);
    expect(await i.addRules()).toEqual({ ok: true });
    expect((await i.state()).rules).toBe(20);
    expect(await i.tearDown()).toEqual({ ok: true });
    expect(await i.tearDown()).toEqual({ ok: true });
    expect(await i.state()).toEqual({ interfaceExists: false, addresses: [], rules: 0 });
  });

  it('leaves rules that are not ours alone', async () => {
    const other = ['-t', 'raw', '-A', 'PREROUTING', '-d', '10.1.1.1/32', '-p', 'udp', '-j', 'NOTRACK'];
    expect((await inNs({ file: 'iptables', args: other })).code).toBe(0);
    const i = createInterception(spec, { runner: inNs });
    await i.setUp();
    await i.tearDown();
    const saved = await inNs({ file: 'iptables-save', args: ['-t', 'raw'] });
    expect(saved.stdout).toContain('-A PREROUTING -d 10.1.1.1/32 -p udp -j NOTRACK');
  });

  it('reports a failing command as a value', async () => {
    const i = createInterception({ ...spec, interfaceName: 'bad name!' }, { runner: inNs });
    const out = await i.setUp();
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error.code).toBe('BAD_SPEC');
    const missing = createInterception(spec, { runner: (c, s) => runCommand({ ...c, file: `/nonexistent/${c.file}` }, s) });
    const r = await missing.addRules();
    expect(r).toMatchObject({ ok: false, error: { code: 'COMMAND_FAILED' } });
  });
});
