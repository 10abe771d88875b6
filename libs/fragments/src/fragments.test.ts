import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeCorefile, corefileZones, validateComposition, validateFragment, type FragmentText } from './fragments.ts';

const both = ['answerer', 'node-cache'] as FragmentText['targets'];
const fragment = (text: string, name = 'extra'): FragmentText => ({ name, text, targets: both });

describe('validateFragment', () => {
  const cases: { name: string; text: string; errors: [line: number, column: number, message: RegExp][]; others?: FragmentText[]; own?: string[] }[] = [
    { name: 'extra hosts', text: 'example.internal {\n  hosts {\n    10.1.2.3 app.example.internal\n  }\n}\n', errors: [] },
    { name: 'a stub domain', text: 'corp.example {\n  forward . 10.0.0.53 10.0.0.54\n  cache 30\n}\n', errors: [] },
    { name: 'a private reverse zone', text: '168.192.in-addr.arpa {\n  forward . 10.0.0.53\n}\n', errors: [] },
    { name: 'an empty fragment', text: '  \n', errors: [[1, 1, /empty/]] },
    { name: 'an unknown plugin', text: 'example.internal {\n  hostz {\n  }\n}\n', errors: [[2, 3, /hostz/]] },
    { name: 'an unclosed block', text: 'example.internal {\n  hosts {\n    10.1.2.3 app.example.internal\n  }\n', errors: [[1, 18, /./]] },
    { name: 'the cluster zone', text: 'cluster.local {\n  forward . 10.0.0.53\n}\n', errors: [[1, 1, /cluster zone/]] },
    { name: 'below the cluster zone', text: 'svc.cluster.local {\n  forward . 10.0.0.53\n}\n', errors: [[1, 1, /cluster zone/]] },
    { name: 'a reverse zone', text: 'in-addr.arpa {\n  forward . 10.0.0.53\n}\n', errors: [[1, 1, /reverse zones/]] },
    { name: 'the root zone', text: '. {\n  forward . 10.0.0.53\n}\n', errors: [[1, 1, /root zone/]] },
    { name: 'another port', text: 'example.internal:5353 {\n  hosts {\n    10.1.2.3 a.example.internal\n  }\n}\n', errors: [[1, 1, /port/]] },
    { name: 'an instance-wide plugin', text: 'example.internal {\n  prometheus :9153\n}\n', errors: [[2, 3, /not allowed/]] },
    { name: 'the kubernetes plugin', text: 'example.internal {\n  kubernetes example.internal\n}\n', errors: [[2, 3, /not allowed/]] },
    { name: 'a bad upstream', text: 'example.internal {\n  forward . 10.0.0.300\n}\n', errors: [[2, 13, /./]] },
    {
      name: 'a zone another fragment claims',
      text: 'example.internal {\n  hosts {\n    10.1.2.3 app.example.internal\n  }\n}\n',
      others: [fragment('example.internal {\n  forward . 10.0.0.53\n}\n', 'first')],
      errors: [[1, 1, /"first".*"extra"|"extra".*"first"/]],
    },
    // What an attacker with a write token tried: each passed validation once.
    {
      name: 'a placeholder that empties the zone key',
      text: '{$HALO_CONFIG_TOKEN}cluster.local {\n  template IN A {\n    answer "{{ .Name }} 60 IN A 6.6.6.6"\n  }\n}\n',
      errors: [
        [1, 1, /\{\$HALO_CONFIG_TOKEN\} is an environment placeholder/],
        [1, 1, /bad zone/],
      ],
    },
    {
      name: 'a TXT answer made of the environment',
      text: 'ex.example {\n  template IN TXT {\n    answer "{{ .Name }} 60 IN TXT {$MALLOC_ARENA_MAX}"\n  }\n}\n',
      errors: [[3, 12, /placeholder/]],
    },
    { name: 'an import of a file', text: 'ex.example {\n  import /etc/shadow\n}\n', errors: [[2, 3, /import is not allowed/]] },
    {
      name: 'a hosts entry made of the write token',
      text: 'ex.example {\n  hosts {\n    {$HALO_CONFIG_TOKEN} a.ex.example\n  }\n}\n',
      errors: [[3, 5, /placeholder/]],
    },
    { name: 'hosts reading a file', text: 'ex.example {\n  hosts /etc/shadow\n}\n', errors: [[2, 9, /reads no file/]] },
    {
      name: 'the Service range as a reverse zone',
      text: '10.96.0.0/12 {\n  template IN PTR {\n    answer "{{ .Name }} 60 IN PTR evil.example."\n  }\n}\n',
      errors: [[1, 1, /Service range 10\.96\.0\.0\/12/]],
    },
    { name: 'a Pod address as a reverse zone', text: '5.1.244.10.in-addr.arpa {\n  forward . 10.0.0.53\n}\n', errors: [[1, 1, /Pod range/]] },
    { name: 'half of IPv4 as reverse zones', text: '0.0.0.0/1 {\n  forward . 10.0.0.53\n}\n', errors: [[1, 1, /Service range/]] },
    { name: 'half of IPv6 as reverse zones', text: '[::]/1 {\n  forward . 10.0.0.53\n}\n', errors: [[1, 1, /at least a \/16/]] },
    { name: 'a zone above the cluster zone', text: 'local {\n  forward . 10.0.0.53\n}\n', errors: [[1, 1, /above the cluster zone/]] },
    { name: 'an upstream on loopback', text: 'ex.example {\n  forward . 127.0.0.1\n}\n', errors: [[2, 13, /refused: 127\.0\.0\.1 is on this host/]] },
    { name: 'a node-local port', text: 'ex.example {\n  forward . 127.0.0.1:10250\n}\n', errors: [[2, 13, /refused/]] },
    {
      name: 'IPv6 loopback',
      text: 'ex.example {\n  forward . [::1]:53 dns://::ffff:127.0.0.1\n}\n',
      errors: [
        [2, 13, /refused/],
        [2, 22, /refused/],
      ],
    },
    { name: 'the cloud metadata service', text: 'ex.example {\n  forward . 169.254.169.254\n}\n', errors: [[2, 13, /link-local/]] },
    { name: "a node's address", text: 'ex.example {\n  forward . 192.168.10.7\n}\n', errors: [[2, 13, /nodes' range/]] },
    { name: 'a resolv.conf path', text: 'ex.example {\n  forward . /etc/resolv.conf\n}\n', errors: [[2, 13, /not files/]] },
    {
      name: 'a regular expression RE2 cannot run in linear time',
      text: 'ex.example {\n  template IN A {\n    match "^(a+)\\1$"\n    answer "{{ .Name }} 60 IN A 10.1.2.3"\n  }\n}\n',
      errors: [[3, 11, /bad regex/]],
    },
    {
      name: 'nested quantifiers run in linear time: accepted',
      text: 'ex.example {\n  template IN A {\n    match "^(a+)+$"\n    answer "{{ .Name }} 60 IN A 10.1.2.3"\n  }\n}\n',
      errors: [],
    },
    {
      name: "a zone the target's own Corefile serves",
      text: 'corp.example {\n  forward . 10.0.0.53\n}\n',
      own: ['.', 'corp.example'],
      errors: [[1, 1, /own Corefile/]],
    },
  ];
  it.each(cases)('$name', ({ text, errors, others, own }) => {
    const found = validateFragment(fragment(text), {
      others,
      own: { answerer: own ?? ['.'] },
      networks: { services: ['10.96.0.0/12'], pods: ['10.244.0.0/16'], nodes: ['192.168.10.0/24'] },
    });
    expect(found.map((e) => [e.line, e.column])).toEqual(errors.map(([line, column]) => [line, column]));
    found.forEach((e, i) => {
      expect(e.file).toBe('fragment extra');
      expect(e.message).toMatch(errors[i]![2]);
    });
  });
});

describe('composeCorefile', () => {
  it('appends the fragments in name order, each under its name and version', () => {
    const text = composeCorefile([
      { name: 'b', version: 2, text: 'b.example {\n  whoami\n}' },
      { name: 'a', version: 1, text: 'a.example {\n  whoami\n}\n' },
    ]);
    expect(text).toBe('# fragment a v1\na.example {\n  whoami\n}\n\n# fragment b v2\nb.example {\n  whoami\n}\n');
  });
});

describe('validateFragment never echoes what it did not get from the fragment', () => {
  let dir = '';
  const saved = process.env.HALO_CONFIG_TOKEN;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fragments-'));
    writeFileSync(join(dir, 'secret'), 'secret-file-line one\nsecret-file-line two {\n');
    process.env.HALO_CONFIG_TOKEN = 'write-token-value';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.HALO_CONFIG_TOKEN;
    else process.env.HALO_CONFIG_TOKEN = saved;
  });
  it.each([
    ['an import of a file', () => `ex.example {\n  import ${join(dir, 'secret')}\n}\n`],
    ['an import of the environment', () => 'ex.example {\n  import /proc/self/environ\n}\n'],
    ['the token in hosts', () => 'ex.example {\n  hosts {\n    {$HALO_CONFIG_TOKEN} a.ex.example\n  }\n}\n'],
    ['the token in a key', () => '{$HALO_CONFIG_TOKEN} {\n  whoami\n}\n'],
    ['a hosts file', () => `ex.example {\n  hosts ${join(dir, 'secret')}\n}\n`],
    ['a forward file', () => `ex.example {\n  forward . ${join(dir, 'secret')}\n}\n`],
  ])('%s', (_name, text) => {
    const errors = validateFragment(fragment(text()));
    expect(errors.length).toBeGreaterThan(0);
    const said = JSON.stringify(errors);
    expect(said).not.toContain('secret-file-line');
    expect(said).not.toContain('write-token-value');
    expect(said).not.toContain('PATH=');
  });
});

describe('validateComposition', () => {
  it('checks what the target composes, errors at the fragment that has them', () => {
    const a = fragment('a.example {\n  whoami\n}\n', 'a');
    const b = fragment('b.example {\n  whoami\n}\nA.example {\n  whoami\n}\n', 'b');
    expect(validateComposition('answerer', [a, fragment('b.example {\n  whoami\n}\n', 'b')])).toEqual([]);
    const errors = validateComposition('answerer', [a, b]);
    expect(errors.map((e) => [e.file, e.line, e.column])).toEqual([['fragment b', 4, 1]]);
    expect(errors[0].message).toMatch(/a\.example/);
  });
  it('leaves out fragments of the other target', () => {
    const forCache = { ...fragment('a.example {\n  whoami\n}\n', 'c'), targets: ['node-cache'] as FragmentText['targets'] };
    expect(validateComposition('answerer', [fragment('a.example {\n  whoami\n}\n', 'a'), forCache])).toEqual([]);
  });
});

describe('corefileZones', () => {
  it('lists the zones of an own Corefile without reading files or the environment', () => {
    expect(corefileZones('.:53 {\n  import /etc/shadow\n}\ncorp.example 10.0.0.0/8 {\n  whoami\n}\n')).toEqual({
      ok: true,
      zones: ['.', 'corp.example', '10.in-addr.arpa'],
    });
  });
});
