import { describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
import { describeError } from './errors.ts';

const forbidden = {
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  reason: 'Forbidden',
  code: 403,
  message: 'endpointslices.discovery.k8s.io is forbidden: User "system:serviceaccount:default:x" cannot list resource "endpointslices"',
};

describe('describeError', () => {
  it.each<[string, unknown, string]>([
    [
      'a Status body as text: the API server says why',
      new ApiException(403, 'Unknown API Status Code!', JSON.stringify(forbidden), {}),
      `HTTP 403: ${forbidden.message}`,
    ],
    ['a Status body parsed', new ApiException(403, 'Unknown API Status Code!', forbidden, {}), `HTTP 403: ${forbidden.message}`],
    ['no body: the first line', new ApiException(401, 'Unauthorized', undefined, {}), 'HTTP 401: HTTP-Code: 401'],
    ['a body that is not JSON', new ApiException(502, 'Unknown API Status Code!', '<html>bad gateway</html>', {}), 'HTTP 502: HTTP-Code: 502'],
    ['a plain error', new Error('connect ECONNREFUSED 127.0.0.1:6443\nmore'), 'connect ECONNREFUSED 127.0.0.1:6443'],
    ['not an error', 'gone', 'gone'],
  ])('%s', (_, error, expected) => {
    expect(describeError(error)).toBe(expected);
  });
});
