import { describe, expect, it } from 'vitest';
import { composeCorefile, validateFragment, type FragmentText } from './fragments.ts';

const both = ['answerer', 'node-cache'] as FragmentText['targets'];
const fragment = (text: string, name = 'extra'): FragmentText => ({ name, text, targets: both });

describe('validateFragment', () => {
  const cases: { name: string; text: string; errors: [line: number, column: number, message: RegExp][]; others?: FragmentText[] }[] = [
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
  ];
  it.each(cases)('$name', ({ text, errors, others }) => {
    const found = validateFragment(fragment(text), { others });
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
