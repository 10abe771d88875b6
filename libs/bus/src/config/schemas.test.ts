import { describe, expect, it } from 'vitest';
import type { Decoded } from '../message.ts';
import {
  decodeEffectiveConfig,
  decodeFragment,
  decodeInstanceStatus,
  encodeJson,
  type EffectiveConfigV1,
  type FragmentV1,
  type InstanceStatusV1,
} from './schemas.ts';

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

const fragment: FragmentV1 = {
  schema: 1,
  name: 'corp',
  text: 'corp.example:53 {\n  forward . 10.0.0.53\n}\n',
  targets: ['answerer', 'node-cache'],
  source: { kind: 'configmap', configMap: 'kube-system/dns-extra-configs', key: 'corp.server' },
  version: 3,
  author: 'admin',
  changedAt: '2026-12-06T10:00:00Z',
  change: 'put',
  deleted: false,
};
const effective: EffectiveConfigV1 = {
  schema: 1,
  target: 'node-cache',
  version: 7,
  corefile: fragment.text,
  fragments: [{ name: 'corp', version: 3 }],
  changedAt: '2026-12-06T10:00:01Z',
  trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
};
const status: InstanceStatusV1 = {
  schema: 1,
  target: 'answerer',
  instance: 'answerer-0',
  version: 7,
  appliedAt: '2026-12-06T10:00:02Z',
  error: null,
  errorVersion: null,
  heartbeatAt: '2026-12-06T10:00:12Z',
  programmingLatency: { count: 4, p50Seconds: 0.02, p99Seconds: 0.05 },
};

describe('config messages', () => {
  // Each row: the decoder, the bytes, the error code (none: it decodes to what was sent) and how its message begins.
  it.each<[string, (b: Uint8Array) => Decoded<unknown>, Uint8Array, string | undefined, string]>([
    ['a fragment', decodeFragment, encodeJson(fragment), undefined, ''],
    ['a fragment rolled back', decodeFragment, bytes({ ...fragment, change: 'rollback', rolledBackTo: 2 }), undefined, ''],
    ['an effective config', decodeEffectiveConfig, encodeJson(effective), undefined, ''],
    ['an instance status', decodeInstanceStatus, encodeJson(status), undefined, ''],
    ['a status that failed', decodeInstanceStatus, bytes({ ...status, error: 'Corefile:2:3: unknown plugin', errorVersion: 8 }), undefined, ''],
    ['not JSON', decodeFragment, bytes('{"schema":'), 'BUS_BAD_JSON', 'fragment: not JSON'],
    ['JSON but not an object', decodeEffectiveConfig, bytes('7'), 'BUS_UNKNOWN_VERSION', 'effective config: unknown schema version undefined'],
    ['a future version', decodeInstanceStatus, bytes({ ...status, schema: 2 }), 'BUS_UNKNOWN_VERSION', 'instance status: unknown schema version 2'],
    ['a target nobody runs', decodeFragment, bytes({ ...fragment, targets: ['watcher'] }), 'BUS_BAD_SCHEMA', 'fragment: /targets/0 '],
    ['a fragment without a name', decodeFragment, bytes({ ...fragment, name: '' }), 'BUS_BAD_SCHEMA', 'fragment: /name '],
    [
      'a trace with more than its context',
      decodeEffectiveConfig,
      bytes({ ...effective, trace: { traceparent: 'x', baggage: 'y' } }),
      'BUS_BAD_SCHEMA',
      'effective config: /trace ',
    ],
    [
      'a negative latency',
      decodeInstanceStatus,
      bytes({ ...status, programmingLatency: { count: 1, p50Seconds: -1, p99Seconds: 0 } }),
      'BUS_BAD_SCHEMA',
      'instance status: /programmingLatency/p50Seconds ',
    ],
    [
      'a status without its heartbeat',
      decodeInstanceStatus,
      bytes({ ...status, heartbeatAt: undefined }),
      'BUS_BAD_SCHEMA',
      "instance status: / must have required property 'heartbeatAt'",
    ],
  ])('%s', (_name, decode, input, code, message) => {
    const decoded = decode(input);
    if (code === undefined) {
      expect(decoded).toEqual({ ok: true, value: JSON.parse(new TextDecoder().decode(input)) });
    } else {
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) {
        expect(decoded.error.code).toBe(code);
        expect(decoded.error.message.startsWith(message)).toBe(true);
      }
    }
  });
});
