import { describe, expect, it } from 'vitest';
import {
  checkSpec,
  chooseBackend,
  iptablesProgram,
  interfaceAddCommand,
  addressCommands,
  ownSavedLines,
  printCommand,
  restoreScript,
  ruleCommand,
  rulesFor,
  rulesOf,
  saveLine,
  RULE_COMMENT,
} from './commands.ts';

const spec = { interfaceName: 'halo-dns0', addresses: ['169.254.20.10', '10.96.0.10'], port: 53 };

describe('rules', () => {
  it.each([
    ['raw', 'PREROUTING', '-A PREROUTING -d 10.96.0.10/32 -p udp -m udp --dport 53 -m comment --comment "halo-dns node cache" -j NOTRACK'],
    ['raw', 'OUTPUT', '-A OUTPUT -s 10.96.0.10/32 -p udp -m udp --sport 53 -m comment --comment "halo-dns node cache" -j NOTRACK'],
    ['raw', 'OUTPUT', '-A OUTPUT -d 10.96.0.10/32 -p tcp -m tcp --dport 53 -m comment --comment "halo-dns node cache" -j NOTRACK'],
    ['filter', 'INPUT', '-A INPUT -d 10.96.0.10/32 -p tcp -m tcp --dport 53 -m comment --comment "halo-dns node cache" -j ACCEPT'],
    ['filter', 'OUTPUT', '-A OUTPUT -s 10.96.0.10/32 -p udp -m udp --sport 53 -m comment --comment "halo-dns node cache" -j ACCEPT'],
  ])('%s %s holds %s', (table, chain, line) => {
    const lines = rulesFor('10.96.0.10', 53)
      .filter((r) => r.table === table && r.chain === chain)
      .map((r) => saveLine(r));
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
      args: [
        '-w',
        '5',
        '-t',
        'raw',
        '-C',
        'PREROUTING',
        '-d',
        'fd00::a/128',
        '-p',
        'udp',
        '-m',
        'udp',
        '--dport',
        '5353',
        '-m',
        'comment',
        '--comment',
        RULE_COMMENT,
        '-j',
        'NOTRACK',
      ],
    });
  });
});

describe('interface commands', () => {
  it.each([
    [interfaceAddCommand(spec), 'ip link add halo-dns0 type dummy'],
    [addressCommands(spec)[0], 'ip addr replace 169.254.20.10/32 dev halo-dns0'],
    [addressCommands(spec)[1], 'ip addr replace 10.96.0.10/32 dev halo-dns0'],
    [addressCommands({ ...spec, addresses: ['fd00::a'] })[0], 'ip -6 addr replace fd00::a/128 dev halo-dns0'],
    [
      ruleCommand(rulesFor('10.96.0.10', 53)[0], '-I'),
      "iptables -w 5 -t raw -I PREROUTING -d 10.96.0.10/32 -p udp -m udp --dport 53 -m comment --comment 'halo-dns node cache' -j NOTRACK",
    ],
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

describe('iptables back ends', () => {
  const kubeProxy = ':KUBE-SERVICES - [0:0]\n' + Array.from({ length: 30 }, (_, i) => `-A KUBE-SERVICES -d 10.96.0.${i}/32 -j KUBE-SVC-${i}`).join('\n');
  it.each<[string, { legacy: string; nft: string }, 'legacy' | 'nft']>([
    ["an empty node: nf_tables, Debian's default", { legacy: '', nft: '' }, 'nft'],
    ["kube-proxy's rules in legacy", { legacy: kubeProxy, nft: '-A INPUT -j ACCEPT' }, 'legacy'],
    ["kube-proxy's rules in nf_tables", { legacy: '-A INPUT -j ACCEPT', nft: kubeProxy }, 'nft'],
    ["kubelet's hint chain in legacy, whatever the counts", { legacy: ':KUBE-IPTABLES-HINT - [0:0]', nft: kubeProxy }, 'legacy'],
    ["kubelet's canary in nf_tables", { legacy: kubeProxy, nft: ':KUBE-KUBELET-CANARY - [0:0]' }, 'nft'],
  ])('%s', (_name, saved, expected) => {
    expect(chooseBackend(saved)).toBe(expected);
  });

  it.each<[4 | 6, 'legacy' | 'nft' | 'system', '' | '-save' | '-restore', string]>([
    [4, 'system', '', 'iptables'],
    [4, 'legacy', '-save', 'iptables-legacy-save'],
    [6, 'nft', '-restore', 'ip6tables-nft-restore'],
    [6, 'system', '-save', 'ip6tables-save'],
  ])('IPv%s, %s, %s: %s', (family, backend, job, program) => {
    expect(iptablesProgram(family, backend, job)).toBe(program);
  });
});
