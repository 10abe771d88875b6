// The informer's engine: a cache kept by lists and watch events, restarted with backoff, relisted and diffed.
// No value of client-node here: what lists and watches (a `Reflector`) is passed in.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KubeError, describeError } from './errors.ts';
import type { ListFn, Transform } from './lists.ts';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface Informer<T> {
  /** Resolves once the first list is in the cache; rejects if stopped before that. */
  start(): Promise<void>;
  stop(): Promise<void>;
  list(): T[];
  /** By key: `namespace/name`, or `name` for cluster-scoped objects (client-go's MetaNamespaceKeyFunc). */
  get(key: string): T | undefined;
  on(ev: InformerEvent, fn: (obj: T) => void): void;
  readonly synced: boolean;
}

export interface InformerOptions<T extends KubernetesObject = KubernetesObject> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** A full list diffed against the cache this often (default 5 minutes; 0 turns it off): client-node has no resync. */
  relistIntervalMs?: number;
  /** First delay before restarting a failed list/watch (default 500 ms), doubled up to backoffMaxMs (default 30 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  logger?: Logger;
  /**
   * Each object as it arrives (listed or watched) into what the informer keeps and reports, e.g. only the
   * fields the caller reads (client-go's SetTransform): the cache then holds no more than that. It must keep
   * metadata's name, namespace and resourceVersion.
   */
  transform?: Transform<T>;
  /** Objects per page of a list (default 500); 0: one response. */
  pageSize?: number;
}

export function objectKey(obj: KubernetesObject): string {
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * Compares two resourceVersions: negative when a is older, 0 when equal, positive when newer, undefined when
 * they cannot be compared. They are opaque by contract, but every API server (etcd, kube-sim) uses integers.
 */
export function compareResourceVersions(a: string | undefined, b: string | undefined): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a === b) return 0;
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface ListDiff<T> {
  added: T[];
  updated: T[];
  deleted: T[];
}

/**
 * What a fresh list changes in the cache. With `keepNewer` (a relist while the watch runs), cached objects newer
 * than the list (a watch event that arrived while the list was in flight) are kept, so a slow relist never rolls
 * the cache back. Without it the list is the truth: after a restart of the API server versions may go backwards.
 */
export function diffList<T extends KubernetesObject>(
  cache: ReadonlyMap<string, T>,
  items: readonly T[],
  options: { listResourceVersion?: string; keepNewer?: boolean } = {},
): ListDiff<T> {
  const { listResourceVersion, keepNewer = false } = options;
  const diff: ListDiff<T> = { added: [], updated: [], deleted: [] };
  const seen = new Set<string>();
  for (const item of items) {
    const key = objectKey(item);
    seen.add(key);
    const cached = cache.get(key);
    if (!cached) diff.added.push(item);
    else {
      const order = compareResourceVersions(cached.metadata?.resourceVersion, item.metadata?.resourceVersion);
      if (order === 0 || (keepNewer && order !== undefined && order > 0)) continue;
      diff.updated.push(item);
    }
  }
  for (const [key, cached] of cache) {
    if (seen.has(key)) continue;
    const order = compareResourceVersions(cached.metadata?.resourceVersion, listResourceVersion);
    if (keepNewer && order !== undefined && order > 0) continue; // created after the list was taken
    diff.deleted.push(cached);
  }
  return diff;
}

/**
 * What lists and then watches one resource (client-go's name), reporting each object as it changes:
 * the lean client's (`lean/reflector.ts`), or a test's. It lists with the function it was made with, once at
 * start and again whenever its watch cannot resume; `stop()` ends its watch.
 */
export interface Reflector<T> {
  on(event: InformerEvent, fn: (obj: T) => void): void;
  on(event: 'error', fn: (error: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The informer's engine with the list and the reflector passed in. */
export function createInformerFromList<T extends KubernetesObject>(
  list: ListFn<T>,
  makeReflector: (listFn: ListFn<T>) => Reflector<T>,
  options: InformerOptions<T>,
  label: string,
): Informer<T> {
  const log = options.logger;
  const relistIntervalMs = options.relistIntervalMs ?? 300_000;
  const backoffInitialMs = options.backoffInitialMs ?? 500;
  const backoffMaxMs = options.backoffMaxMs ?? 30_000;

  const cache = new Map<string, T>();
  const listeners: Record<InformerEvent, ((obj: T) => void)[]> = { add: [], update: [], delete: [] };
  let synced = false;
  let stopped = false;
  let started: Promise<void> | undefined;
  let backoffMs = backoffInitialMs;
  let restartTimer: NodeJS.Timeout | undefined;
  let relistTimer: NodeJS.Timeout | undefined;
  let reflector: Reflector<T> | undefined;
  let generation = 0;
  const isCurrent = (gen: number) => gen === generation && !stopped;
  let resolveSynced: () => void = () => undefined;
  let rejectSynced: (error: Error) => void = () => undefined;

  const emit = (event: InformerEvent, obj: T) => {
    for (const fn of listeners[event]) {
      try {
        fn(obj);
      } catch (error) {
        // One faulty handler must not stop the others or the watch.
        log?.error({ err: error, event, key: objectKey(obj) }, 'informer handler failed');
      }
    }
  };

  const applyList = (items: readonly T[], listResourceVersion: string | undefined, keepNewer: boolean) => {
    const diff = diffList(cache, items, { listResourceVersion, keepNewer });
    for (const obj of diff.deleted) {
      cache.delete(objectKey(obj));
      emit('delete', obj);
    }
    for (const obj of diff.added) {
      cache.set(objectKey(obj), obj);
      emit('add', obj);
    }
    for (const obj of diff.updated) {
      cache.set(objectKey(obj), obj);
      emit('update', obj);
    }
    backoffMs = backoffInitialMs;
    if (!synced) {
      synced = true;
      log?.info({ objects: cache.size }, `${label} synced`);
      resolveSynced();
    }
  };

  // A reflector lists only while no watch of it runs (at start, after 410): that list is the truth.
  const observedList =
    (generation: number): ListFn<T> =>
    async () => {
      const result = await list();
      if (isCurrent(generation)) applyList(result.items ?? [], result.metadata?.resourceVersion, false);
      return result;
    };

  const onUpsert = (obj: T) => {
    if (stopped) return;
    backoffMs = backoffInitialMs;
    const key = objectKey(obj);
    const cached = cache.get(key);
    if (!cached) {
      cache.set(key, obj);
      emit('add', obj);
      return;
    }
    const order = compareResourceVersions(cached.metadata?.resourceVersion, obj.metadata?.resourceVersion);
    if (order === 0 || (order !== undefined && order > 0)) return;
    cache.set(key, obj);
    emit('update', obj);
  };

  const onDelete = (obj: T) => {
    if (stopped) return;
    const key = objectKey(obj);
    const cached = cache.get(key);
    if (!cached) return;
    cache.delete(key);
    emit('delete', obj);
  };

  // Each (re)start builds a fresh reflector, which lists again: after an error the cache is repaired by a diff
  // instead of trusting a resume from the last resourceVersion. Callbacks of an older one are ignored.
  const run = () => {
    if (stopped) return;
    const gen = ++generation;
    void reflector?.stop();
    const lw = makeReflector(observedList(gen));
    reflector = lw;
    lw.on('add', (obj: T) => isCurrent(gen) && onUpsert(obj));
    lw.on('update', (obj: T) => isCurrent(gen) && onUpsert(obj));
    lw.on('delete', (obj: T) => isCurrent(gen) && onDelete(obj));
    lw.on('error', (error: unknown) => isCurrent(gen) && onError(error));
    lw.start().catch((error: unknown) => isCurrent(gen) && onError(error));
  };

  const onError = (error: unknown) => {
    if (stopped || restartTimer) return;
    const delayMs = backoffMs;
    backoffMs = Math.min(backoffMs * 2, backoffMaxMs);
    log?.warn({ err: describeError(error), retryInMs: delayMs }, `${label} list/watch failed, restarting`);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      run();
    }, delayMs);
  };

  const relist = async () => {
    if (stopped || !synced) return;
    try {
      const result = await list();
      if (!stopped) applyList(result.items ?? [], result.metadata?.resourceVersion, true);
    } catch (error) {
      log?.warn({ err: describeError(error) }, `${label} periodic relist failed`);
    }
  };

  return {
    start() {
      if (started) return started;
      started = new Promise<void>((resolve, reject) => {
        resolveSynced = resolve;
        rejectSynced = reject;
      });
      if (relistIntervalMs > 0) {
        relistTimer = setInterval(() => void relist(), relistIntervalMs);
        relistTimer.unref();
      }
      run();
      return started;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(restartTimer);
      clearInterval(relistTimer);
      if (!synced) rejectSynced(new KubeError('stopped', `the ${label} informer was stopped before its first list`));
      await reflector?.stop();
    },
    list: () => [...cache.values()],
    get: (key) => cache.get(key),
    on(ev, fn) {
      listeners[ev].push(fn);
    },
    get synced() {
      return synced;
    },
  };
}
