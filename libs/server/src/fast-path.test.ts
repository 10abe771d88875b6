import { describe, expect, it } from 'vitest';
import { replyClass, scanWireQuestion, type WireScan } from '@halo/dns';
import { encodeQuery } from '@halo/testing';
import { FastPath } from './fast-path.ts';

const LISTEN = '127.0.0.1:53';

/** A query's wire and scan, as the server reads them. */
function ask(name: string, type = 'A', edns?: number): { wire: Buffer; scan: WireScan } {
  const wire = encodeQuery(name, type, edns === undefined ? {} : { edns });
  const scan = scanWireQuestion(wire);
  if (scan === null) throw new Error(`not a plain query: ${name}`);
  return { wire, scan };
}

function put(fp: FastPath, name: string, type = 'A', client = 0, listenKey = LISTEN): void {
  const { wire, scan } = ask(name, type);
  fp.set(wire, scan, client, listenKey, name, Buffer.from(`${name} ${type} ${client} ${listenKey}`));
}

function lookup(fp: FastPath, name: string, type = 'A', client = 0, listenKey = LISTEN): string | undefined {
  const { wire, scan } = ask(name, type);
  return fp.get(wire, scan, client, listenKey)?.toString();
}

describe('FastPath.get', () => {
  const fp = new FastPath();
  put(fp, 'web.shop.svc.cluster.local');
  put(fp, 'web.shop.svc.cluster.local', 'AAAA');
  put(fp, 'web.shop.svc.cluster.local', 'A', replyClass('udp', { udpSize: 1232, dnssecOk: false }));
  put(fp, 'web.shop.svc.cluster.local', 'A', 0, '10.0.0.10:53');
  it.each([
    ['the question as stored', 'web.shop.svc.cluster.local', 'A', 0, LISTEN, `web.shop.svc.cluster.local A 0 ${LISTEN}`],
    ['in another case', 'WEB.Shop.svc.CLUSTER.local', 'A', 0, LISTEN, `web.shop.svc.cluster.local A 0 ${LISTEN}`],
    ['another type', 'web.shop.svc.cluster.local', 'AAAA', 0, LISTEN, `web.shop.svc.cluster.local AAAA 0 ${LISTEN}`],
    ['a type not stored', 'web.shop.svc.cluster.local', 'TXT', 0, LISTEN, undefined],
    [
      'another client class',
      'web.shop.svc.cluster.local',
      'A',
      replyClass('udp', { udpSize: 4096, dnssecOk: false }),
      LISTEN,
      'web.shop.svc.cluster.local A 9857 127.0.0.1:53',
    ],
    ['a client class not stored', 'web.shop.svc.cluster.local', 'A', replyClass('tcp', null), LISTEN, undefined],
    ['another listener', 'web.shop.svc.cluster.local', 'A', 0, '10.0.0.10:53', 'web.shop.svc.cluster.local A 0 10.0.0.10:53'],
    ['a listener not stored', 'web.shop.svc.cluster.local', 'A', 0, '[::1]:53', undefined],
    ['a name one letter off', 'web.shop.svc.cluster.locam', 'A', 0, LISTEN, undefined],
    ['a longer name', 'web.shop.svc.cluster.local.x', 'A', 0, LISTEN, undefined],
  ])('%s', (_label, name, type, client, listenKey, want) => {
    expect(lookup(fp, name, type, client, listenKey)).toBe(want);
  });
});

describe('FastPath, many questions', () => {
  it('keeps each apart, through replacement and invalidation', () => {
    const fp = new FastPath();
    const names = Array.from({ length: 5_000 }, (_, i) => `svc-${i}.ns-${i % 37}.svc.cluster.local`);
    for (const n of names) put(fp, n);
    expect(fp.size).toBe(names.length);
    put(fp, names[0]); // replaced, not added
    expect(fp.size).toBe(names.length);
    expect(names.every((n) => lookup(fp, n) === `${n} A 0 ${LISTEN}`)).toBe(true);
    fp.invalidate(['ns-3.svc.cluster.local']);
    const gone = names.filter((n) => n.includes('.ns-3.'));
    expect(gone.length).toBeGreaterThan(0);
    expect(fp.size).toBe(names.length - gone.length);
    expect(names.filter((n) => lookup(fp, n) === undefined)).toEqual(gone);
  });
});

describe('FastPath.invalidate', () => {
  const names = [
    'web.shop.svc.cluster.local',
    'shop.svc.cluster.local',
    'pod-1.db.shop.svc.cluster.local',
    'db.shop.svc.cluster.local',
    'other.ns.svc.cluster.local',
    'cluster.local',
  ];
  it.each([
    ['a service drops itself and its ancestors', ['web.shop.svc.cluster.local.'], ['web.shop.svc.cluster.local', 'shop.svc.cluster.local', 'cluster.local']],
    [
      'a headless service drops the names below it',
      ['db.shop.svc.cluster.local'],
      ['pod-1.db.shop.svc.cluster.local', 'db.shop.svc.cluster.local', 'shop.svc.cluster.local', 'cluster.local'],
    ],
    ['case does not matter', ['OTHER.ns.svc.cluster.local'], ['other.ns.svc.cluster.local', 'cluster.local']],
    ['an unrelated name drops nothing', ['example.org'], []],
  ])('%s', (_label, invalidate, dropped) => {
    const fp = new FastPath();
    for (const n of names) put(fp, n);
    const before = fp.generation;
    fp.invalidate(invalidate);
    expect(fp.generation).toBe(before + 1);
    expect(names.filter((n) => lookup(fp, n) === undefined).sort()).toEqual([...dropped].sort());
    expect(fp.size).toBe(names.length - dropped.length);
  });
});
