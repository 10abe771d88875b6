import { describe, expect, it } from 'vitest';
import { parseWatchEvent, queryOf } from './reflector.ts';

describe('parseWatchEvent', () => {
  it.each([
    { line: '{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"7"}}}', type: 'ADDED' },
    { line: '{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}', type: 'BOOKMARK' },
    { line: '{"type":"ERROR","object":{"kind":"Status","code":410,"message":"too old resource version"}}', type: 'ERROR' },
  ])('$type', ({ line, type }) => expect(parseWatchEvent(line).type).toBe(type));

  it.each([
    { what: 'not JSON', line: '{"type":"ADDED","obj', message: /not JSON/ },
    { what: 'no type', line: '{"object":{}}', message: /not an event/ },
    { what: 'an unknown type', line: '{"type":"RENAMED","object":{}}', message: /not an event/ },
    { what: 'no object', line: '{"type":"ADDED"}', message: /not an event/ },
    { what: 'JSON null', line: 'null', message: /not an event/ },
  ])('refuses $what with a coded error', ({ line, message }) => {
    expect(() => parseWatchEvent(line)).toThrow(message);
    expect(() => parseWatchEvent(line)).toThrow(expect.objectContaining({ code: 'watch-invalid' }));
  });
});

describe('queryOf', () => {
  it.each([
    { params: {}, query: '' },
    {
      params: { labelSelector: 'kubernetes.io/service-name=halo-answerers', limit: 500 },
      query: '?labelSelector=kubernetes.io%2Fservice-name%3Dhalo-answerers&limit=500',
    },
    { params: { watch: 1, resourceVersion: undefined, fieldSelector: '', allowWatchBookmarks: true }, query: '?watch=1&allowWatchBookmarks=true' },
  ])('$query', ({ params, query }) => expect(queryOf(params)).toBe(query));
});
