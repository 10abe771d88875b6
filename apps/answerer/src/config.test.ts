import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from './config.ts';

describe('readConfig', () => {
  it("defaults to kubeadm's Corefile for CoreDNS", () => {
    const parsed = readConfig([], {});
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.config.corefile.text).toContain('kubernetes cluster.local in-addr.arpa ip6.arpa {');
      expect(parsed.config.corefile.text).toContain('forward . /etc/resolv.conf');
      expect(parsed.config.listen).toBeUndefined();
    }
  });
  it('serves every block on --dns-port when given', () => {
    expect(readConfig(['--dns-port', '1053', '--dns-host', '127.0.0.1'], {})).toMatchObject({ ok: true, config: { listen: { host: '127.0.0.1', port: 1053 } } });
  });
  it('reads a Corefile file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'answerer-'));
    writeFileSync(join(dir, 'Corefile'), '.:53 {\n  whoami\n}\n');
    expect(readConfig(['--corefile', join(dir, 'Corefile')], {})).toMatchObject({ ok: true, config: { corefile: { text: '.:53 {\n  whoami\n}\n' } } });
  });
  it.each([
    ['--ns-address', ['--ns-address', '10.244.0.7,fd00::7'], {}, ['10.244.0.7', 'fd00::7']],
    ['env POD_IPS', [], { POD_IPS: '10.244.0.8,fd00::8', POD_IP: '10.244.0.9' }, ['10.244.0.8', 'fd00::8']],
    ['env POD_IP', [], { POD_IP: '10.244.0.9' }, ['10.244.0.9']],
    ['the one --dns-host', ['--dns-port', '1053', '--dns-host', '127.0.0.1'], {}, ['127.0.0.1']],
  ])('name server addresses from %s', (_label, argv, env, expected) => {
    expect(readConfig(argv, env)).toMatchObject({ ok: true, config: { nsAddresses: expected } });
  });
  it.each([
    [['--ns-address', 'ns.example'], /--ns-address: not an IP address: ns.example/],
    [['--dns-port', '70000'], /--dns-port: not a port/],
    [['--corefile', '/nonexistent/Corefile'], /--corefile: cannot read/],
    [['--admin-port', 'x'], /--admin-port/],
  ])('refuses %j with a message', (argv, message) => {
    const parsed = readConfig(argv, {});
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});
