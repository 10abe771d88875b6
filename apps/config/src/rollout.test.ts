import { describe, expect, it } from 'vitest';
import type { InstanceStatusV1 } from '@halo/bus';
import { rolloutOf, stuckAfterMs } from './rollout.ts';

const published = Date.parse('2026-12-01T10:00:00Z');
const effective = { version: 7, changedAt: new Date(published).toISOString() };
const instance = (name: string, version: number, error: [string, number] | null = null): InstanceStatusV1 => ({
  schema: 1,
  target: 'answerer',
  instance: name,
  version,
  appliedAt: '',
  error: error?.[0] ?? null,
  errorVersion: error?.[1] ?? null,
  heartbeatAt: '',
});

describe('rolloutOf', () => {
  const table: [name: string, instances: InstanceStatusV1[], afterMs: number, state: string][] = [
    ['every instance runs it', [instance('a', 7), instance('b', 7)], 1_000, 'applied'],
    ['one has not yet', [instance('a', 7), instance('b', 6)], 1_000, 'pending'],
    ['one has not, long after', [instance('a', 7), instance('b', 6)], stuckAfterMs + 1, 'stuck'],
    ['one refused it', [instance('a', 7), instance('b', 6, ['zone clash', 7])], 1_000, 'rejected'],
    ['an old refusal, since applied', [instance('a', 7, ['old', 5])], 1_000, 'applied'],
    ['nobody reports', [], 1_000, 'no instances'],
  ];
  it.each(table)('%s → %s', (_name, instances, afterMs, state) => {
    expect(rolloutOf('answerer', effective, instances, published + afterMs).state).toBe(state);
  });
});
