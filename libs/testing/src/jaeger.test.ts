import { afterAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findJaeger, jaegerMissingMessage, referenceJaegerPath, startJaeger } from './jaeger.ts';
import { waitFor } from './wait-for.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function fakeBinary(path: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, '#!/bin/sh\n');
  await chmod(path, 0o755);
}

describe('findJaeger', () => {
  it('takes JAEGER_BIN, then PATH, then the reference build cache; null when none has it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'halo-find-jaeger-'));
    dirs.push(dir);
    const onPath = join(dir, 'bin', 'jaeger');
    const cache = join(dir, 'cache');
    const cached = referenceJaegerPath({ HALO_REFERENCE_DIR: cache });
    expect(cached).toBe(join(cache, 'jaeger-v1.75.0', 'jaeger'));
    expect(findJaeger({ PATH: join(dir, 'bin'), HALO_REFERENCE_DIR: cache })).toBeNull();
    await fakeBinary(cached);
    expect(findJaeger({ PATH: join(dir, 'bin'), HALO_REFERENCE_DIR: cache })).toBe(cached);
    await fakeBinary(onPath);
    expect(findJaeger({ PATH: join(dir, 'bin'), HALO_REFERENCE_DIR: cache })).toBe(onPath);
    expect(findJaeger({ JAEGER_BIN: cached, PATH: join(dir, 'bin') })).toBe(cached);
    expect(() => findJaeger({ JAEGER_BIN: join(dir, 'nothing') })).toThrow(/JAEGER_BIN=.* is not an executable file/);
  });

  it('says how to get it', () => {
    expect(jaegerMissingMessage).toContain('tools/reference/build.sh jaeger');
    expect(jaegerMissingMessage).toContain('JAEGER_BIN');
  });
});

const bin = findJaeger();
if (!bin) console.warn(`startJaeger test skipped: ${jaegerMissingMessage}`);

describe.skipIf(!bin)('startJaeger (real Jaeger v2)', () => {
  it('takes OTLP on 127.0.0.1 and serves the trace on its query API', async () => {
    const jaeger = await startJaeger();
    try {
      const traceId = '5b8efff798038103d269b633813fc60c';
      const now = BigInt(Date.now()) * 1_000_000n;
      const body = {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'halo-testing' } }] },
            scopeSpans: [
              {
                spans: [
                  { traceId, spanId: 'eee19b7ec3c1b174', name: 'probe', kind: 1, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) },
                ],
              },
            ],
          },
        ],
      };
      const sent = await fetch(`${jaeger.otlpHttpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(sent.status).toBe(200);
      const found = await waitFor(
        async () => {
          const response = await fetch(`${jaeger.queryUrl}/api/traces/${traceId}`);
          if (!response.ok) return null;
          const json = (await response.json()) as { data: { spans: { operationName: string }[] }[] };
          return json.data?.[0]?.spans.map((s) => s.operationName) ?? null;
        },
        { timeoutMs: 15_000, message: 'the span never showed up in Jaeger' },
      );
      expect(found).toEqual(['probe']);
    } finally {
      await jaeger.stop();
    }
  });
});
