import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { compareResourceVersions, diffList, objectKey } from './informer.ts';

const obj = (name: string, resourceVersion: string, namespace: string | null = 'shop'): KubernetesObject => ({
  metadata: { name, namespace: namespace ?? undefined, resourceVersion },
});
const keys = (objects: KubernetesObject[]) => objects.map(objectKey);

describe('objectKey', () => {
  it.each([
    { o: obj('web', '1'), key: 'shop/web' },
    { o: obj('kube-system', '1', null), key: 'kube-system' },
  ])('$key', ({ o, key }) => expect(objectKey(o)).toBe(key));
});

describe('compareResourceVersions', () => {
  it.each([
    { a: '9', b: '10', order: -1 },
    { a: '10', b: '9', order: 1 },
    { a: '7', b: '7', order: 0 },
    { a: 'abc', b: 'abc', order: 0 },
    { a: 'abc', b: '7', order: undefined },
    { a: undefined, b: '7', order: undefined },
  ])('$a vs $b → $order', ({ a, b, order }) => expect(compareResourceVersions(a, b)).toBe(order));
});

describe('diffList', () => {
  const cache = new Map<string, KubernetesObject>([
    ['shop/web', obj('web', '5')],
    ['shop/db', obj('db', '6')],
    ['shop/late', obj('late', '20')], // arrived by watch after the list below was taken
    ['shop/gone', obj('gone', '3')],
  ]);
  const cases = [
    {
      what: 'adds, updates and deletes',
      items: [obj('web', '5'), obj('db', '8'), obj('new', '9')],
      listRv: '10',
      keepNewer: true,
      added: ['shop/new'],
      updated: ['shop/db'],
      deleted: ['shop/gone'],
    },
    {
      what: 'keeps objects newer than the list',
      items: [obj('web', '4'), obj('db', '6')],
      listRv: '10',
      keepNewer: true,
      added: [],
      updated: [],
      deleted: ['shop/gone'],
    },
    {
      what: 'with opaque versions trusts the list',
      items: [obj('web', 'x')],
      listRv: 'y',
      keepNewer: true,
      added: [],
      updated: ['shop/web'],
      deleted: ['shop/db', 'shop/late', 'shop/gone'],
    },
    {
      what: 'without keepNewer the list wins (API server restarted, versions went back)',
      items: [obj('web', '4'), obj('db', '6')],
      listRv: '7',
      keepNewer: false,
      added: [],
      updated: ['shop/web'],
      deleted: ['shop/late', 'shop/gone'],
    },
  ];
  it.each(cases)('$what', (c) => {
    const diff = diffList(cache, c.items, { listResourceVersion: c.listRv, keepNewer: c.keepNewer });
    expect(keys(diff.added)).toEqual(c.added);
    expect(keys(diff.updated)).toEqual(c.updated);
    expect(keys(diff.deleted)).toEqual(c.deleted);
  });
});
