import { describe, expect, it } from 'vitest';
import { leaseAction, nextLeaseSpec } from './leader-election.ts';

describe('leaseAction', () => {
  const base = { identity: 'me', nowMs: 100_000, defaultLeaseDurationSeconds: 15 };
  it.each([
    { what: 'no lease', lease: undefined, observedAtMs: 0, action: 'create' },
    { what: 'held by me', lease: { holderIdentity: 'me', leaseDurationSeconds: 15 }, observedAtMs: 99_000, action: 'renew' },
    { what: 'released', lease: { holderIdentity: '', leaseDurationSeconds: 1 }, observedAtMs: 99_999, action: 'acquire' },
    { what: 'held by other, fresh', lease: { holderIdentity: 'other', leaseDurationSeconds: 15 }, observedAtMs: 90_000, action: 'wait' },
    { what: 'held by other, expired', lease: { holderIdentity: 'other', leaseDurationSeconds: 15 }, observedAtMs: 85_000, action: 'acquire' },
    { what: 'no duration uses default', lease: { holderIdentity: 'other' }, observedAtMs: 84_000, action: 'acquire' },
  ])('$what → $action', ({ lease, observedAtMs, action }) => {
    expect(leaseAction({ ...base, lease, observedAtMs })).toBe(action);
  });
});

describe('nextLeaseSpec', () => {
  const now = new Date('2026-11-23T10:00:00.000Z');
  const acquired = new Date('2026-11-23T09:00:00.000Z');
  it('renew keeps acquireTime and transitions', () => {
    const spec = nextLeaseSpec({ holderIdentity: 'me', acquireTime: acquired, leaseTransitions: 2 }, 'renew', 'me', 15, now);
    expect(spec).toMatchObject({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: acquired, leaseTransitions: 2 });
    expect(spec.renewTime?.getTime()).toBe(now.getTime());
  });
  it('acquire counts a transition and stamps acquireTime', () => {
    const spec = nextLeaseSpec({ holderIdentity: 'other', acquireTime: acquired, leaseTransitions: 2 }, 'acquire', 'me', 15, now);
    expect(spec.leaseTransitions).toBe(3);
    expect(spec.acquireTime?.getTime()).toBe(now.getTime());
    // MicroTime: six fractional digits, as the API server writes.
    expect(JSON.stringify(spec.renewTime)).toBe('"2026-11-23T10:00:00.000000Z"');
  });
  it('create starts at zero transitions', () => {
    expect(nextLeaseSpec(undefined, 'create', 'me', 15, now).leaseTransitions).toBe(0);
  });
});
