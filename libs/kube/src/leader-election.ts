import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, V1MicroTime } from '@kubernetes/client-node';
import type { KubeConfig, V1Lease, V1LeaseSpec } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KubeError, describeError, httpStatusOf } from './errors.ts';
import { createInformer } from './client-informer.ts';
import type { Informer } from './informer.ts';

export interface LeaderElection {
  start(): void;
  /** Stops campaigning; releases the lease if held (unless `release: false`, which behaves like a crash). */
  stop(options?: { release?: boolean }): Promise<void>;
  readonly isLeader: boolean;
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  /** How long others wait after the last renewal they saw before taking over (default 15). */
  leaseDurationSeconds?: number;
  /** How long the leader keeps trying to renew before it gives up leading (default 10; less than the lease). */
  renewDeadlineSeconds?: number;
  /** Time between attempts (default 2). */
  retryPeriodSeconds?: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  logger?: Logger;
  /**
   * Watch the Lease (default true; needs list and watch on it): every renewal is seen as it happens,
   * so a candidate takes over right when the lease runs out instead of up to two retry periods later.
   * Polling every retry period goes on beside it.
   */
  watchLease?: boolean;
}

export type LeaseAction = 'create' | 'renew' | 'acquire' | 'wait';

/**
 * What a candidate does with the lease it just read. Expiry is judged by the local time at which this candidate
 * last saw the record change (as client-go does), not by renewTime, so clocks of different nodes need not agree.
 */
export function leaseAction(input: {
  lease: Pick<V1LeaseSpec, 'holderIdentity' | 'leaseDurationSeconds'> | undefined;
  identity: string;
  nowMs: number;
  observedAtMs: number;
  defaultLeaseDurationSeconds: number;
}): LeaseAction {
  const { lease, identity } = input;
  if (!lease) return 'create';
  if (lease.holderIdentity === identity) return 'renew';
  if (!lease.holderIdentity) return 'acquire';
  const durationMs = (lease.leaseDurationSeconds ?? input.defaultLeaseDurationSeconds) * 1000;
  return input.observedAtMs + durationMs <= input.nowMs ? 'acquire' : 'wait';
}

/** The spec to write for an action that takes or keeps the lease. */
export function nextLeaseSpec(
  current: V1LeaseSpec | undefined,
  action: Exclude<LeaseAction, 'wait'>,
  identity: string,
  leaseDurationSeconds: number,
  now: Date,
): V1LeaseSpec {
  const transitions = current?.leaseTransitions ?? 0;
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: action === 'renew' && current?.acquireTime ? current.acquireTime : new V1MicroTime(now.getTime()),
    renewTime: new V1MicroTime(now.getTime()),
    leaseTransitions: action === 'acquire' ? transitions + 1 : transitions,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new KubeError('timeout', `${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, like client-go's leaderelection: optimistic concurrency by
 * resourceVersion (a lost race is a 409), renewals every retryPeriod, leadership given up when no renewal
 * succeeded within renewDeadline. After losing the lease it campaigns again.
 */
export function createLeaderElection(kc: KubeConfig, options: LeaderElectionOptions): LeaderElection {
  const api = kc.makeApiClient(CoordinationV1Api);
  const { namespace, name, identity } = options;
  const leaseDurationSeconds = options.leaseDurationSeconds ?? 15;
  const renewDeadlineMs = (options.renewDeadlineSeconds ?? 10) * 1000;
  const retryPeriodMs = (options.retryPeriodSeconds ?? 2) * 1000;
  if (renewDeadlineMs >= leaseDurationSeconds * 1000) {
    throw new KubeError('invalid-options', `renewDeadlineSeconds must be less than leaseDurationSeconds (${leaseDurationSeconds})`);
  }
  if (retryPeriodMs >= renewDeadlineMs) {
    throw new KubeError('invalid-options', 'retryPeriodSeconds must be less than renewDeadlineSeconds');
  }
  const log = options.logger?.child({ lease: `${namespace}/${name}`, identity });

  let isLeader = false;
  let stopped = false;
  let loop: Promise<void> | undefined;
  const abort = new AbortController();
  // The lease as last seen, and when (local clock) it last changed.
  let observedVersion: string | undefined;
  let observedAtMs = 0;
  /** When the lease held by another runs out by this candidate's observation, or 0. */
  let expiresAtMs = 0;
  let leaseWatch: Informer<V1Lease> | undefined;

  const observe = (lease: V1Lease) => {
    const version = lease.metadata?.resourceVersion;
    if (version !== observedVersion) {
      observedVersion = version;
      observedAtMs = Date.now();
    }
  };

  const setLeader = (leading: boolean) => {
    if (leading === isLeader) return;
    isLeader = leading;
    log?.info(leading ? 'started leading' : 'stopped leading');
    try {
      if (leading) options.onStartedLeading();
      else options.onStoppedLeading();
    } catch (error) {
      log?.error({ err: error }, 'leader election callback failed');
    }
  };

  const tryAcquireOrRenew = async (): Promise<boolean> => {
    let lease: V1Lease | undefined;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
      observe(lease);
    } catch (error) {
      if (httpStatusOf(error) !== 404) {
        log?.warn({ err: describeError(error) }, 'cannot read the lease');
        return false;
      }
    }
    const now = new Date();
    const action = leaseAction({
      lease: lease?.spec,
      identity,
      nowMs: now.getTime(),
      observedAtMs,
      defaultLeaseDurationSeconds: leaseDurationSeconds,
    });
    if (action === 'wait') {
      expiresAtMs = observedAtMs + (lease?.spec?.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
      return false;
    }
    expiresAtMs = 0;
    const spec = nextLeaseSpec(lease?.spec, action, identity, leaseDurationSeconds, now);
    try {
      const written =
        action === 'create' || !lease
          ? await api.createNamespacedLease({
              namespace,
              body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec },
            })
          : // The body keeps the resourceVersion we read: if anyone wrote in between, the server answers 409.
            await api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } });
      observe(written);
      if (action === 'acquire') log?.info({ previous: lease?.spec?.holderIdentity ?? '' }, 'acquired the lease');
      return true;
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 409) log?.debug('lost a race for the lease');
      else log?.warn({ err: describeError(error) }, `cannot ${action} the lease`);
      return false;
    }
  };

  const attempt = (timeoutMs: number) =>
    withTimeout(tryAcquireOrRenew(), timeoutMs, 'a lease request').catch((error: unknown) => {
      log?.warn({ err: describeError(error) }, 'lease request failed');
      return false;
    });

  const pause = async (ms: number) => {
    try {
      await sleep(ms, undefined, { signal: abort.signal });
    } catch {
      // aborted by stop()
    }
  };

  const campaign = async () => {
    while (!stopped) {
      if (!(await attempt(renewDeadlineMs))) {
        // Jitter, as client-go does, so candidates started together do not collide on every try; but
        // no later than the moment the lease runs out (a watched lease's renewals move that moment).
        const jittered = retryPeriodMs * (1 + Math.random() * 1.2);
        const untilExpiry = expiresAtMs > 0 ? expiresAtMs - Date.now() + 5 : Infinity;
        await pause(Math.max(0, Math.min(jittered, untilExpiry)));
        continue;
      }
      if (stopped) return;
      setLeader(true);
      let lastRenewMs = Date.now();
      while (!stopped) {
        await pause(retryPeriodMs);
        if (stopped) return;
        const remaining = renewDeadlineMs - (Date.now() - lastRenewMs);
        if (remaining > 0 && (await attempt(remaining))) {
          lastRenewMs = Date.now();
          continue;
        }
        if (Date.now() - lastRenewMs >= renewDeadlineMs) {
          log?.warn(`no renewal within ${renewDeadlineMs} ms`);
          break;
        }
      }
      if (stopped) return;
      setLeader(false);
    }
  };

  const release = async () => {
    try {
      const lease = await api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime();
      // As client-go: an empty holder and a 1 s duration let the next candidate take over at once.
      const spec: V1LeaseSpec = {
        ...lease.spec,
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
      };
      await withTimeout(api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } }), retryPeriodMs, 'releasing the lease');
      log?.info('released the lease');
    } catch (error) {
      log?.warn({ err: describeError(error) }, 'cannot release the lease');
    }
  };

  const watchLease = () => {
    const informer = createInformer<V1Lease>(kc, 'leases', { namespace, fieldSelector: `metadata.name=${name}`, logger: options.logger, relistIntervalMs: 0 });
    const seen = (lease: V1Lease) => {
      if (lease.metadata?.name !== name) return;
      observe(lease);
      if (expiresAtMs > 0) expiresAtMs = observedAtMs + (lease.spec?.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    };
    informer.on('add', seen);
    informer.on('update', seen);
    // The poll goes on without it: a failed watch only makes the takeover later.
    informer.start().catch((error: unknown) => log?.warn({ err: describeError(error) }, 'cannot watch the lease; polling only'));
    return informer;
  };

  return {
    start() {
      if (loop || stopped) return;
      if (options.watchLease !== false) leaseWatch = watchLease();
      loop = campaign().catch((error: unknown) => {
        log?.error({ err: describeError(error) }, 'leader election stopped unexpectedly');
      });
    },
    async stop(stopOptions = {}) {
      if (stopped) return;
      stopped = true;
      abort.abort();
      await leaseWatch?.stop();
      await loop;
      if (isLeader && stopOptions.release !== false) await release();
      setLeader(false);
    },
    get isLeader() {
      return isLeader;
    },
  };
}
