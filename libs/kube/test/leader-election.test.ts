import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { startKubeSim, waitFor } from '@halo/testing';
import type { KubeSim } from '@halo/testing';
import { createLeaderElection, loadKubeConfig } from '../src/index.ts';
import type { LeaderElection } from '../src/index.ts';

// Short timings so a takeover happens in seconds: lease 2 s, renew deadline 1 s, retry 0.2 s.
const TIMINGS = { leaseDurationSeconds: 2, renewDeadlineSeconds: 1, retryPeriodSeconds: 0.2 };

describe('createLeaderElection against kube-sim', () => {
  let sim: KubeSim;
  let electors: LeaderElection[] = [];

  beforeAll(async () => {
    sim = await startKubeSim({ port: 0 });
  });
  afterEach(async () => {
    await Promise.all(electors.map((e) => e.stop({ release: false })));
    electors = [];
  });
  afterAll(async () => {
    await sim?.close();
  });

  const candidate = (name: string, identity: string) => {
    const log: string[] = [];
    const elector = createLeaderElection(loadKubeConfig({ kubeServer: sim.url }), {
      namespace: 'kube-system',
      name,
      identity,
      ...TIMINGS,
      onStartedLeading: () => log.push('started'),
      onStoppedLeading: () => log.push('stopped'),
    });
    electors.push(elector);
    return { elector, log, identity };
  };
  const readLease = (name: string) =>
    loadKubeConfig({ kubeServer: sim.url }).makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace: 'kube-system' });

  it('of two candidates exactly one leads; after the leader crashes the other takes over within the lease duration', async () => {
    const a = candidate('halo-watcher', 'watcher-a');
    const b = candidate('halo-watcher', 'watcher-b');
    a.elector.start();
    b.elector.start();
    const leader = await waitFor(() => (a.elector.isLeader ? a : b.elector.isLeader ? b : undefined), { message: 'a leader' });
    const follower = leader === a ? b : a;
    expect(follower.elector.isLeader).toBe(false);
    expect((await readLease('halo-watcher')).spec?.holderIdentity).toBe(leader.identity);
    // Several renewals later the follower still follows.
    const renewed = (await readLease('halo-watcher')).metadata?.resourceVersion;
    await waitFor(async () => (await readLease('halo-watcher')).metadata?.resourceVersion !== renewed, { message: 'a renewal' });
    expect(follower.elector.isLeader).toBe(false);

    // A crash: the leader stops renewing and does not release.
    await leader.elector.stop({ release: false });
    const crashedAt = Date.now();
    expect(leader.log).toEqual(['started', 'stopped']);
    await waitFor(() => follower.elector.isLeader, {
      // lease duration, plus one jittered retry period and a request.
      timeoutMs: TIMINGS.leaseDurationSeconds * 1000 + 1_500,
      message: 'the follower takes over',
    });
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(1_000); // it waited for the lease, it did not steal it
    const lease = await readLease('halo-watcher');
    expect(lease.spec?.holderIdentity).toBe(follower.identity);
    expect(lease.spec?.leaseTransitions).toBe(1);
    expect(follower.log).toEqual(['started']);
  });

  it('a released lease is taken over at once', async () => {
    const a = candidate('halo-config', 'config-a');
    a.elector.start();
    await waitFor(() => a.elector.isLeader, { message: 'a leads' });
    const b = candidate('halo-config', 'config-b');
    b.elector.start();
    await a.elector.stop();
    expect(a.log).toEqual(['started', 'stopped']);
    // Well under the 2 s lease: the release left an empty holder.
    await waitFor(() => b.elector.isLeader, { timeoutMs: 1_500, message: 'b takes the released lease' });
    expect((await readLease('halo-config')).spec?.holderIdentity).toBe('config-b');
  });

  it('a leader cut off from the API server stops leading after the renew deadline', async () => {
    const port = sim.port;
    const a = candidate('halo-cutoff', 'cutoff-a');
    a.elector.start();
    await waitFor(() => a.elector.isLeader, { message: 'a leads' });
    await sim.close();
    try {
      await waitFor(() => !a.elector.isLeader, { timeoutMs: 3_000, message: 'a gives up leading' });
      expect(a.log).toEqual(['started', 'stopped']);
    } finally {
      sim = await startKubeSim({ port });
    }
    // It campaigns again and, the (new, empty) server having no lease, leads again.
    await waitFor(() => a.elector.isLeader, { timeoutMs: 5_000, message: 'a leads again' });
    expect(a.log).toEqual(['started', 'stopped', 'started']);
  });

  it('rejects timings where the renew deadline is not below the lease duration', () => {
    expect(() =>
      createLeaderElection(loadKubeConfig({ kubeServer: sim.url }), {
        namespace: 'kube-system',
        name: 'x',
        identity: 'x',
        leaseDurationSeconds: 5,
        renewDeadlineSeconds: 5,
        onStartedLeading: () => undefined,
        onStoppedLeading: () => undefined,
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid-options' }));
  });
});
