import { describe, expect, it } from 'vitest';
import { fragmentName, fragmentsOf } from './configmaps.ts';
import { parseTokens, tokensFromSecret } from './tokens.ts';

describe('ConfigMap fragments', () => {
  it.each([
    [
      'dns-extra-configs',
      { Corefile: 'a', 'stub.Corefile': 'b', 'notes.txt': 'c' },
      [
        ['cm-dns-extra-configs-corefile', ['answerer', 'node-cache']],
        ['cm-dns-extra-configs-stub-corefile', ['answerer', 'node-cache']],
      ],
    ],
    ['coredns-extra-configs', { Corefile: 'a' }, [['cm-coredns-extra-configs-corefile', ['answerer']]]],
    ['node-local-dns-extra-configs', { extraCorefile: 'a' }, [['cm-node-local-dns-extra-configs-extracorefile', ['node-cache']]]],
    ['kube-proxy', { Corefile: 'a' }, []],
  ] as const)('%s', (name, data, expected) => {
    const found = fragmentsOf({ metadata: { name, namespace: 'kube-system' }, data: { ...data } });
    expect(found.map((f) => [f.name, f.targets])).toEqual(expected);
  });
  it('reads only kube-system', () => {
    expect(fragmentsOf({ metadata: { name: 'dns-extra-configs', namespace: 'default' }, data: { Corefile: 'a' } })).toEqual([]);
  });
  it('makes names that are DNS labels', () => {
    const name = fragmentName('node-local-dns-extra-configs', 'a.very.long.key.that.keeps.going.and.going.Corefile');
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });
});

describe('tokens', () => {
  it('reads a tokens file', () => {
    const parsed = parseTokens('- { name: alice, token: s3cr3t-token, role: write }\n- { name: ro, token: r34d-token, role: read }\n', 'tokens.yaml');
    expect(parsed.ok && [...parsed.tokens]).toEqual([
      ['s3cr3t-token', { name: 'alice', role: 'write' }],
      ['r34d-token', { name: 'ro', role: 'read' }],
    ]);
  });
  it.each([
    ['{ not: a list }', /expected a list/],
    ['- { name: a, token: short, role: write }', /at least 8/],
    ['- { name: a, token: long-enough, role: admin }', /role read or write/],
  ])('refuses %s', (text, message) => {
    const parsed = parseTokens(text, 'tokens.yaml');
    expect(parsed.ok ? '' : parsed.message).toMatch(message);
  });
  it('reads a Secret', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    expect([...tokensFromSecret({ 'write.alice': b64('tok-1234567'), 'read.bob': b64('tok-7654321\n'), junk: b64('x') })]).toEqual([
      ['tok-1234567', { name: 'alice', role: 'write' }],
      ['tok-7654321', { name: 'bob', role: 'read' }],
    ]);
  });
});
