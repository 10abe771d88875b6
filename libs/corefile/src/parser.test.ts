import { describe, expect, it } from 'vitest';
import { kubeadmCorefile } from './well-known.ts';
import { parseCorefile, type Corefile, type Directive } from './index.ts';
import { printCorefile } from './printer.ts';

// The tree without positions, to compare shapes in tables.
interface Shape {
  name: string;
  args: string[];
  block?: Shape[];
}
function shape(ds: Directive[]): Shape[] {
  return ds.map((d) => ({ name: d.name, args: d.args.map((a) => a.text), ...(d.block ? { block: shape(d.block) } : {}) }));
}
function blocks(corefile: Corefile) {
  return corefile.blocks.map((b) => ({
    keys: b.keys.map((k) => k.text),
    addresses: b.addresses.map((a) => `${a.zone}:${a.port ?? ''}`),
    directives: shape(b.directives),
  }));
}
function parsed(text: string, env: Record<string, string> = {}) {
  const r = parseCorefile(text, 'Corefile', { env, readFile: () => null });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return blocks(r.corefile);
}

const kubeadm = kubeadmCorefile;

// NodeLocal DNSCache's Corefile as its DaemonSet ships it (the __PILLAR__ placeholders filled in).
const nodeLocal = `cluster.local:53 {
    errors
    cache {
            success 9984 30
            denial 9984 5
    }
    reload
    loop
    bind 169.254.20.10 10.96.0.10
    forward . 10.96.0.11 {
            force_tcp
    }
    prometheus :9253
    health 169.254.20.10:8080
    }
in-addr.arpa:53 {
    errors
    cache 30
    reload
    loop
    bind 169.254.20.10 10.96.0.10
    forward . 10.96.0.11 {
            force_tcp
    }
    prometheus :9253
    }
ip6.arpa:53 {
    errors
    cache 30
    reload
    loop
    bind 169.254.20.10 10.96.0.10
    forward . 10.96.0.11 {
            force_tcp
    }
    prometheus :9253
    }
.:53 {
    errors
    cache 30
    reload
    loop
    bind 169.254.20.10 10.96.0.10
    forward . /etc/resolv.conf
    prometheus :9253
    }
`;

describe('parseCorefile: trees', () => {
  const cases: { name: string; text: string; env?: Record<string, string>; want: ReturnType<typeof blocks> }[] = [
    {
      name: 'one key, one directive',
      text: '.:53 {\n  whoami\n}',
      want: [{ keys: ['.:53'], addresses: ['.:53'], directives: [{ name: 'whoami', args: [] }] }],
    },
    {
      name: 'several keys, scheme, trailing dot and case',
      text: 'dns://Example.ORG. example.net:1053 {\n  log\n}',
      want: [{ keys: ['dns://Example.ORG.', 'example.net:1053'], addresses: ['example.org:', 'example.net:1053'], directives: [{ name: 'log', args: [] }] }],
    },
    {
      name: 'comma-separated keys over two lines',
      text: 'a.org,\n b.org {\n}',
      want: [{ keys: ['a.org', 'b.org'], addresses: ['a.org:', 'b.org:'], directives: [] }],
    },
    { name: 'empty host is the root', text: ':1053 {\n}', want: [{ keys: [':1053'], addresses: ['.:1053'], directives: [] }] },
    {
      name: 'CIDR keys give reverse zones',
      text: '10.0.0.0/8 172.16.0.0/23:53 [fd00::]/120 {\n}',
      want: [
        {
          keys: ['10.0.0.0/8', '172.16.0.0/23:53', '[fd00::]/120'],
          addresses: ['10.in-addr.arpa:', '0.16.172.in-addr.arpa:53', '1.16.172.in-addr.arpa:53', `${'0.'.repeat(28)}d.f.ip6.arpa:`],
          directives: [],
        },
      ],
    },
    {
      name: 'nested block on one line (the contract example)',
      text: '. {\n kubernetes cluster.local { pods insecure }\n}',
      want: [{ keys: ['.'], addresses: ['.:'], directives: [{ name: 'kubernetes', args: ['cluster.local'], block: [{ name: 'pods', args: ['insecure'] }] }] }],
    },
    {
      name: 'comments and quotes with escapes',
      text: '. { # the root\n  template IN A { # a comment\n    answer "{{ .Name }} 60 IN A \\"1.2.3.4\\" \\\\ \\d" # trailing\n  }\n}',
      want: [
        {
          keys: ['.'],
          addresses: ['.:'],
          directives: [{ name: 'template', args: ['IN', 'A'], block: [{ name: 'answer', args: ['{{ .Name }} 60 IN A "1.2.3.4" \\ \\d'] }] }],
        },
      ],
    },
    {
      name: 'a quoted token across lines keeps the line going',
      text: '. {\n  hosts "a\nb" c\n  log\n}',
      want: [
        {
          keys: ['.'],
          addresses: ['.:'],
          directives: [
            { name: 'hosts', args: ['a\nb', 'c'] },
            { name: 'log', args: [] },
          ],
        },
      ],
    },
    {
      name: 'environment substitution',
      text: '{$ZONE}:{$PORT} {\n  forward . {%UPSTREAM%}\n}',
      env: { ZONE: 'example.org', PORT: '5353', UPSTREAM: '10.0.0.1' },
      want: [{ keys: ['example.org:5353'], addresses: ['example.org:5353'], directives: [{ name: 'forward', args: ['.', '10.0.0.1'] }] }],
    },
    {
      name: 'snippets and import',
      text: '(common) {\n  errors\n  cache 30\n}\n.:53 {\n  import common\n  log\n}',
      want: [
        {
          keys: ['.:53'],
          addresses: ['.:53'],
          directives: [
            { name: 'errors', args: [] },
            { name: 'cache', args: ['30'] },
            { name: 'log', args: [] },
          ],
        },
      ],
    },
    {
      name: "a server block's brace on the next line",
      text: 'example.org\n{\n  log\n}',
      want: [{ keys: ['example.org'], addresses: ['example.org:'], directives: [{ name: 'log', args: [] }] }],
    },
    {
      name: 'one block without braces',
      text: '.:53\nerrors\nlog',
      want: [
        {
          keys: ['.:53'],
          addresses: ['.:53'],
          directives: [
            { name: 'errors', args: [] },
            { name: 'log', args: [] },
          ],
        },
      ],
    },
    {
      name: 'same zone on other ports is fine',
      text: '.:53 {\n}\n.:1053 {\n}',
      want: [
        { keys: ['.:53'], addresses: ['.:53'], directives: [] },
        { keys: ['.:1053'], addresses: ['.:1053'], directives: [] },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(parsed(c.text, c.env)).toEqual(c.want);
    });
  }

  it("parses kubeadm's default Corefile", () => {
    const [block] = parsed(kubeadm);
    expect(block.addresses).toEqual(['.:53']);
    expect(block.directives.map((d) => d.name)).toEqual([
      'errors',
      'health',
      'ready',
      'kubernetes',
      'prometheus',
      'forward',
      'cache',
      'loop',
      'reload',
      'loadbalance',
    ]);
    expect(block.directives[3]).toEqual({
      name: 'kubernetes',
      args: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'],
      block: [
        { name: 'pods', args: ['insecure'] },
        { name: 'fallthrough', args: ['in-addr.arpa', 'ip6.arpa'] },
        { name: 'ttl', args: ['30'] },
      ],
    });
  });

  it("parses NodeLocal DNSCache's Corefile", () => {
    const result = parsed(nodeLocal);
    expect(result.map((b) => b.addresses)).toEqual([['cluster.local:53'], ['in-addr.arpa:53'], ['ip6.arpa:53'], ['.:53']]);
    expect(result[0].directives[1]).toEqual({
      name: 'cache',
      args: [],
      block: [
        { name: 'success', args: ['9984', '30'] },
        { name: 'denial', args: ['9984', '5'] },
      ],
    });
  });

  it('positions are 1-based line and column', () => {
    const r = parseCorefile('.:53 {\n    forward . 1.1.1.1\n}', 'X');
    if (!r.ok) throw new Error('parse failed');
    const d = r.corefile.blocks[0].directives[0];
    expect(d.pos).toEqual({ file: 'X', line: 2, column: 5 });
    expect(d.args[1].pos).toEqual({ file: 'X', line: 2, column: 15 });
  });

  it('imports a file relative to the Corefile', () => {
    const r = parseCorefile('. {\n  import extra.conf\n}', '/etc/coredns/Corefile', {
      env: {},
      readFile: (p) => (p === '/etc/coredns/extra.conf' ? 'log\nerrors' : null),
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(shape(r.corefile.blocks[0].directives)).toEqual([
      { name: 'log', args: [] },
      { name: 'errors', args: [] },
    ]);
    expect(r.corefile.blocks[0].directives[0].pos.file).toBe('/etc/coredns/extra.conf');
  });
});

describe('parseCorefile: errors at line and column', () => {
  const cases: { name: string; text: string; want: { line: number; column: number; message: RegExp }[] }[] = [
    { name: 'unclosed server block', text: '.:53 {\n  log\n', want: [{ line: 1, column: 6, message: /unclosed '\{'/ }] },
    { name: 'unclosed directive block', text: '.:53 {\n  health {\n    lameduck 5s\n}\n', want: [{ line: 1, column: 6, message: /unclosed/ }] },
    { name: 'unexpected }', text: '.:53 {\n  log\n}\n}\n', want: [{ line: 4, column: 1, message: /unexpected '\}'/ }] },
    {
      name: 'unexpected } inside a block',
      text: '.:53 {\n  log\n  }\n  }\n}\n',
      want: [
        { line: 4, column: 3, message: /unexpected '\}'/ },
        { line: 5, column: 1, message: /unexpected '\}'/ },
      ],
    },
    { name: 'bad port', text: '.:99999 {\n}', want: [{ line: 1, column: 1, message: /bad port "99999"/ }] },
    { name: 'port not a number', text: 'example.org:dns {\n}', want: [{ line: 1, column: 1, message: /bad port "dns"/ }] },
    { name: 'bad zone', text: '. example..org {\n}', want: [{ line: 1, column: 3, message: /bad zone "example..org".*empty label/ }] },
    { name: 'long label', text: `${'a'.repeat(64)}.org {\n}`, want: [{ line: 1, column: 1, message: /longer than 63/ }] },
    { name: 'unsupported transport', text: 'tls://.:853 {\n}', want: [{ line: 1, column: 1, message: /transport tls:\/\/ is not supported/ }] },
    {
      name: 'duplicate zone and port',
      text: '.:53 {\n}\nexample.org .:53 {\n}',
      want: [{ line: 3, column: 13, message: /already served by the block at line 1/ }],
    },
    {
      name: 'duplicate with default port',
      text: 'example.org {\n}\nexample.org.:53 {\n}',
      want: [{ line: 3, column: 1, message: /zone "example.org" on port 53/ }],
    },
    { name: 'unterminated quote', text: '. {\n  log "abc\n}\n', want: [{ line: 2, column: 7, message: /unterminated quoted string/ }] },
    { name: 'unknown snippet', text: '. {\n  import nothing\n}', want: [{ line: 2, column: 10, message: /import "nothing"/ }] },
    { name: 'stray { in a block', text: '. {\n  log\n  {\n  }\n}', want: [{ line: 3, column: 3, message: /unexpected '\{'/ }] },
    { name: 'second block without braces', text: '.:53 {\n}\nexample.org\nlog', want: [{ line: 4, column: 1, message: /needs '\{'/ }] },
    { name: 'import cycle', text: '(a) {\n  import a\n}\n. {\n  import a\n}', want: [{ line: 2, column: 10, message: /import cycle: a → a/ }] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = parseCorefile(c.text, 'Corefile', { env: {}, readFile: () => null });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors.map((e) => ({ line: e.line, column: e.column, message: e.message }))).toEqual(
        c.want.map((w) => ({ line: w.line, column: w.column, message: expect.stringMatching(w.message) })),
      );
      for (const e of r.errors) expect(e.file).toBe('Corefile');
    });
  }
});

describe('printCorefile', () => {
  const texts = [
    kubeadm,
    nodeLocal,
    '. {\n  template IN A { match "^(?P<a>.*)\\.example\\.$"\n answer "{{ .Name }} 60 IN A 1.2.3.4"\n}\n  log "" "#x" "{" "}" "a\\\\" "q\\"q"\n}',
    'a.org,b.org:1053 {\n  hosts "line one\nline two"\n}',
  ];
  for (const [n, text] of texts.entries()) {
    it(`prints text that parses back to the same tree (${n})`, () => {
      const first = parseCorefile(text, 'Corefile', { env: {}, readFile: () => null });
      if (!first.ok) throw new Error(JSON.stringify(first.errors));
      const printed = printCorefile(first.corefile);
      const second = parseCorefile(printed, 'Corefile', { env: {}, readFile: () => null });
      if (!second.ok) throw new Error(`${printed}\n${JSON.stringify(second.errors)}`);
      expect(blocks(second.corefile)).toEqual(blocks(first.corefile));
    });
  }
});

describe('parseCorefile: untrusted text (fragments)', () => {
  // Nothing of the machine reaches the tree or the errors: no environment value, no file.
  const env = { SECRET: 'the-secret-value', HOME: '/root' };
  const readFile = (): string => 'root:$6$hash:19000:0:99999:7:::\n';
  const cases: { name: string; text: string; want: { line: number; column: number; message: RegExp }[] }[] = [
    {
      name: 'a placeholder in a key',
      text: '{$SECRET}cluster.local {\n  log\n}',
      want: [
        { line: 1, column: 1, message: /\{\$SECRET\} is an environment placeholder/ },
        { line: 1, column: 1, message: /bad zone/ },
      ],
    },
    {
      name: 'a Windows-style placeholder in a quoted argument',
      text: 'ex.example {\n  template IN TXT {\n    answer "{{ .Name }} 60 IN TXT {%HOME%}"\n  }\n}',
      want: [{ line: 3, column: 12, message: /\{%HOME%\}/ }],
    },
    {
      name: 'an inline hosts entry made of a placeholder',
      text: 'ex.example {\n  hosts {\n    {$SECRET} a.ex.example\n  }\n}',
      want: [{ line: 3, column: 5, message: /placeholder/ }],
    },
    { name: 'a file import', text: 'ex.example {\n  import /etc/shadow\n}', want: [{ line: 2, column: 3, message: /import is not allowed/ }] },
    { name: 'a proc file import', text: 'ex.example {\n  import /proc/self/environ\n}', want: [{ line: 2, column: 3, message: /import is not allowed/ }] },
    {
      name: 'a snippet and its import',
      text: '(s) {\n  log\n}\nex.example {\n  import s\n}',
      want: [
        { line: 1, column: 1, message: /snippets are not allowed/ },
        { line: 5, column: 3, message: /import is not allowed/ },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = parseCorefile(c.text, 'fragment x', { env, readFile, untrusted: true });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors.map((e) => ({ line: e.line, column: e.column, message: e.message }))).toEqual(
        c.want.map((w) => ({ line: w.line, column: w.column, message: expect.stringMatching(w.message) })),
      );
      const said = JSON.stringify(r.errors);
      expect(said).not.toContain('the-secret-value');
      expect(said).not.toContain('/root');
      expect(said).not.toContain('$6$hash');
    });
  }
  it("trusted text still expands placeholders (the instance's own Corefile)", () => {
    expect(parsed('{$ZONE} {\n  log\n}', { ZONE: 'example.org' })[0].addresses).toEqual(['example.org:']);
  });
});
