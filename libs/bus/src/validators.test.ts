import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { asModule, generatedFiles, validatorsSource } from './validators-source.ts';

describe('validators.generated.js', () => {
  it('is what json-schemas.ts generates now (else: node libs/bus/src/validators-source.ts)', async () => {
    const { js, dts } = validatorsSource();
    expect(await readFile(generatedFiles.js, 'utf8')).toBe(js);
    expect(await readFile(generatedFiles.dts, 'utf8')).toBe(dts);
  });
});

describe('asModule', () => {
  it.each<[string, string]>([
    [
      'const func2 = require("ajv/dist/runtime/ucs2length").default;',
      'const func2 = (text) => { let length = 0; for (const _ of text) length++; return length; };',
    ],
    ['function validate10(data) { return true; }', 'function validate10(data) { return true; }'],
  ])('%s', (code, esm) => {
    expect(asModule(code)).toBe(esm);
  });

  it('counts a string in code points, as Ajv does', () => {
    const length = new Function(`${asModule('const func2 = require("ajv/dist/runtime/ucs2length").default;')} return func2;`)() as (text: string) => number;
    expect([length(''), length('web'), length('\u{1F600}x')]).toEqual([0, 3, 2]);
  });

  it('refuses a require it does not know', () => {
    expect(() => asModule('const f = require("fast-deep-equal");')).toThrow(/require\("fast-deep-equal"\)/);
  });
});
