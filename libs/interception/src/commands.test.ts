import { describe, expect, it } from 'vitest';
import { checkSpec, interfaceAddCommand, addressCommands, ownSavedLines, printCommand, restoreScript, ruleCommand, rulesFor, rulesOf, saveLine, RULE_COMMENT } from './index.ts';

const spec = { interfaceName: 'halo-dns0', addresses: ['169.254.20.10', '10.96.0.10'], port: 53 };

describe('rules', () => {
  it.each([
    ['raw', 'PREROUTING', '-A PREROUTING -d 10.96.0.10/32 -p udp -m udp --dport 53 -m comment --comment "halo-dns node cache" -j NOTRACK'],
    ['raw', 'OUTPUT', '-A OUTPUT -s 10.96.0.10/32 -p udp -m udp --sport 53 -m comment --comment "halo-dns node cache" -j NOTRACK'],
    ['raw', 'OUTPUT', '-A OUTPUT -d 10.96.0.10/32 -p tcp -m tcp --dport 53 -m comment --comment "halo-dns node cache" -j NOTRACK'],
    ['filter', 'INPUT', '-A INPUT -d 10.96.0.10/32 -p tcp -m tcp --dport 53 -m comment --comment "halo-dns node cache" -j ACCEPT'],
    ['filter', 'OUTPUT', '-A OUTPUT -s 10.96.0.10/32 -p udp -m udp --sport 53 -m comment --comment "halo-dns node cache" -j ACCEPT'],
  ])('%s %s holds %s', (table, chain, line) => {
    const lines = rulesFor('10.96.0.10', 53).filter((r) => r.table === table && r.chain === chain).map((r) => saveLine(r));
    expect(lines).toContain(line);
  });

  it('has 10 rules per address (udp and tcp, 3 raw and 2 filter each)', () => {
    expect(rulesOf(spec)).toHaveLength(20);
    expect(rulesOf(spec).every((r) => r.family === 4)).toBe(true);
  });

  it('uses ip6tables and /128 for IPv6', () => {
    const [rule] = rulesFor('fd00::a', 5353);
    expect(rule.family).toBe(6);
    expect(ruleCommand(rule, '-C')).toEqual({
      file: 'ip6tables',
      args: ['-w', '5', '-t', 'raw', '-C', 'PREROUTING', '-d', 'fd00::a/128', '-p', 'udp', '-m', 'udp', '--dport', '5353', '-m', 'comment', '--comment', RULE_COMMENT, '-j', 'NOTRACK'],
    });
  });
});

describe('interface commands', () => {
  it.each([
    [interfaceAddCommand(spec), 'ip link add halo-dns0 type dummy'],
    [addressCommands(spec)[0], 'ip addr replace 169.254.20.10/32 dev halo-dns0'],
    [addressCommands(spec)[1], 'ip addr replace 10.96.0.10/32 dev halo-dns0'],
    [addressCommands({ ...spec, addresses: ['fd00::a'] })[0], 'ip -6 addr replace fd00::a/128 dev halo-dns0'],
    [ruleCommand(rulesFor('10.96.0.10', 53)[0], '-I'), "iptables -w 5 -t raw -I PREROUTING -d 10.96.0.10/32 -p udp -m udp --dport 53 -m comment --comment 'halo-dns node cache' -j NOTRACK"],
  ])('%# prints as %s', (command, printed) => {
    expect(printCommand(command)).toBe(printed);
  });
});

describe('checkSpec', () => {
  it.each([
    [spec, []],
    [{ ...spec, interfaceName: 'a-name-longer-than-15' }, ['BAD_INTERFACE']],
    [{ ...spec, interfaceName: 'x; rm -rf /' }, ['BAD_INTERFACE']],
    [{ ...spec, addresses: [] }, ['NO_ADDRESS']],
    [{ ...spec, addresses: ['10.96.0.300'] }, ['BAD_ADDRESS']],
    [{ ...spec, port: 0 }, ['BAD_PORT']],
  ])('%# → %j', (s, codes) => {
    expect(checkSpec(s).map((e) => e.code)).toEqual(codes);
  });
});

describe('restoreScript', () => {
  const saved = [
    '*raw',
    ':PREROUTING ACCEPT [0:0]',
    '-A PREROUTING -d 10.0.0.1/32 -p udp -m udp --dport 53 -j NOTRACK',
    '-A PREROUTING -d 10.96.0.10/32 -p udp -m udp --dport 53 -m comment --comment "halo-dns node cache" -j NOTRACK',
    'COMMIT',
  ].join('\n');

  it('finds only our rules, by comment', () => {
    expect(ownSavedLines(saved)).toEqual(['-A PREROUTING -d 10.96.0.10/32 -p udp -m udp --dport 53 -m comment --comment "halo-dns node cache" -j NOTRACK']);
  });

  it('removes ours and leaves the others', () => {
    expect(restoreScript({ raw: saved, filter: '' }, rulesOf(spec), 'remove')).toBe(
      '*raw\n-D PREROUTING -d 10.96.0.10/32 -p udp -m udp --dport 53 -m comment --comment "halo-dns node cache" -j NOTRACK\nCOMMIT\n',
    );
  });

  it('is empty when there is nothing to remove', () => {
    expect(restoreScript({ raw: '', filter: '' }, rulesOf(spec), 'remove')).toBe('');
  });

  it('replaces ours on add: deletes what is there, inserts every rule once, in order', () => {
    const script = restoreScript({ raw: saved, filter: '' }, rulesOf({ ...spec, addresses: ['10.96.0.10'] }), 'add');
    const lines = script.trim().split('\n');
    expect(lines[0]).toBe('*raw');
    expect(lines[1]).toMatch(/^-D PREROUTING -d 10.96.0.10/);
    expect(lines.filter((l) => l.startsWith('-I'))).toHaveLength(10);
    expect(lines.filter((l) => l === 'COMMIT')).toHaveLength(2);
    expect(lines.indexOf('*filter')).toBeGreaterThan(lines.indexOf('COMMIT'));
    // Inserted in reverse, so the first listed rule ends up first in its chain.
    const rawInserts = lines.filter((l) => l.startsWith('-I PREROUTING'));
    expect(rawInserts.at(-1)).toContain('-p udp');
  });
});
