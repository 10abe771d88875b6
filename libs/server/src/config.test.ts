import { describe, expect, it } from 'vitest';
import { matchBlock, type BlockChain } from './config.ts';

const block = (zone: string, listenKey = '0.0.0.0:53'): BlockChain => ({
  zone,
  listenKey,
  serverBlock: {} as BlockChain['serverBlock'],
  handlers: [],
  traits: {} as BlockChain['traits'],
});
const blocks = [block('.'), block('cluster.local'), block('svc.cluster.local'), block('local'), block('example.org', '127.0.0.1:53')];

describe('matchBlock', () => {
  // Each row: the listener, the name asked, the zone of the block that serves it (null: none).
  it.each<[string, string, string | null]>([
    ['0.0.0.0:53', 'web.shop.svc.cluster.local', 'svc.cluster.local'],
    ['0.0.0.0:53', 'svc.cluster.local', 'svc.cluster.local'],
    ['0.0.0.0:53', 'web.shop.pod.cluster.local', 'cluster.local'],
    ['0.0.0.0:53', 'cluster.local', 'cluster.local'],
    // Only whole labels: xcluster.local is under local, not cluster.local.
    ['0.0.0.0:53', 'xcluster.local', 'local'],
    ['0.0.0.0:53', 'ocal', '.'],
    ['0.0.0.0:53', 'example.com', '.'],
    ['0.0.0.0:53', '.', '.'],
    ['127.0.0.1:53', 'www.example.org', 'example.org'],
    ['127.0.0.1:53', 'wwwexample.org', null],
    ['127.0.0.1:5353', 'example.org', null],
  ])('%s %s → %s', (listenKey, name, zone) => {
    expect(matchBlock(blocks, listenKey, name)?.zone ?? null).toBe(zone);
  });
});
