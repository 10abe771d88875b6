import { describe, expect, it } from 'vitest';
import { rewriteAssetReferences } from './bundle.ts';

describe('rewriteAssetReferences', () => {
  const place = (rel: string) => `../assets/${rel.split('/').pop()}`;
  it.each<[string, string]>([
    ["readFileSync(new URL('./kubeadm.Corefile', import.meta.url))", "readFileSync(new URL('../assets/kubeadm.Corefile', import.meta.url))"],
    ['new URL("../page/index.html", import.meta.url)', 'new URL("../assets/index.html", import.meta.url)'],
    ["require('../build/udp.node')", "require('../assets/udp.node')"],
    // Not files beside the code: left as they are.
    ["new URL('https://example.com/x', import.meta.url)", "new URL('https://example.com/x', import.meta.url)"],
    ["require('node:dgram')", "require('node:dgram')"],
    ["new URL('./x.json', base)", "new URL('./x.json', base)"],
  ])('%s', (source, rewritten) => {
    expect(rewriteAssetReferences(source, place)).toBe(rewritten);
  });
});
