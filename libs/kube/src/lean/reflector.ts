// List, then watch from the list's resourceVersion, over the lean API server: what client-node's ListWatch
// does, without client-node.
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { createInterface } from 'node:readline';
import { KubeError } from '../errors.ts';
import type { InformerEvent, Reflector } from '../informer.ts';
import type { ListFn, ListOptions, PageOptions, Transform } from '../lists.ts';
import { textOf, type ApiServer } from './api-server.ts';

/** One line of a watch stream. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubernetesObject & { code?: number; message?: string };
}

const EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** Parses one line of a watch stream; a line that is not an event is an error (the stream is broken). */
export function parseWatchEvent(line: string): WatchEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new KubeError('watch-invalid', `a watch line is not JSON: ${line.slice(0, 100)}`);
  }
  const { type, object } = (value ?? {}) as { type?: unknown; object?: unknown };
  if (typeof type !== 'string' || !EVENT_TYPES.has(type) || typeof object !== 'object' || object === null) {
    throw new KubeError('watch-invalid', `a watch line is not an event: ${line.slice(0, 100)}`);
  }
  return { type: type as WatchEvent['type'], object: object as WatchEvent['object'] };
}

/** The query of a list page or a watch: the API's parameter names, empty values left out. */
export function queryOf(params: Record<string, string | number | boolean | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, String(value));
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** One page of a list (`pagedList` takes them one after another). */
export function listPage(api: ApiServer, path: string): (options: PageOptions) => Promise<KubernetesListObject<KubernetesObject>> {
  return async ({ labelSelector, fieldSelector, limit, _continue }) => {
    const res = await api.get(path + queryOf({ labelSelector, fieldSelector, limit, continue: _continue }));
    const page = JSON.parse(await textOf(res)) as KubernetesListObject<KubernetesObject> & { metadata?: { continue?: string } };
    // The wire's `continue` is client-node's `_continue` (a reserved word), which `pagedList` reads.
    if (page.metadata?.continue) page.metadata._continue = page.metadata.continue;
    return page;
  };
}

export interface LeanReflectorOptions<T extends KubernetesObject> extends Pick<ListOptions, 'labelSelector' | 'fieldSelector'> {
  transform?: Transform<T>;
  /** How long the API server keeps one watch open (default 5 to 10 minutes, random, as client-go). */
  watchSeconds?: number;
}

/**
 * Lists with `list`, then watches `path` from the list's resourceVersion, with bookmarks; a watch the server
 * ended is taken up again from the last resourceVersion seen, a 410 Gone lists again. Anything else (the
 * connection lost, a broken line, a watch still open past its own timeout) is an `error` event: the informer
 * restarts it with backoff.
 */
export function leanReflector<T extends KubernetesObject>(api: ApiServer, path: string, list: ListFn<T>, options: LeanReflectorOptions<T> = {}): Reflector<T> {
  const listeners = {
    add: [] as ((obj: T) => void)[],
    update: [] as ((obj: T) => void)[],
    delete: [] as ((obj: T) => void)[],
    error: [] as ((error: unknown) => void)[],
  };
  const transform = options.transform ?? ((obj: KubernetesObject) => obj as T);
  const abort = new AbortController();
  const objectEvent: Record<'ADDED' | 'MODIFIED' | 'DELETED', InformerEvent> = { ADDED: 'add', MODIFIED: 'update', DELETED: 'delete' };

  const watchOnce = async (resourceVersion: string | undefined): Promise<{ resourceVersion: string | undefined; gone: boolean; seen: number }> => {
    const seconds = options.watchSeconds ?? Math.floor(300 + Math.random() * 300);
    // The server ends the watch after `seconds`; one still open well past that (a connection dead without
    // a FIN) is abandoned.
    const overdue = AbortSignal.timeout((seconds + 30) * 1000);
    const signal = AbortSignal.any([abort.signal, overdue]);
    const query = queryOf({
      watch: 1,
      allowWatchBookmarks: true,
      resourceVersion,
      timeoutSeconds: seconds,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
    });
    const res = await api.get(path + query, signal);
    let last = resourceVersion;
    let seen = 0;
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (line.trim() === '') continue;
        const event = parseWatchEvent(line);
        seen++;
        if (event.type === 'ERROR') {
          if (event.object.code === 410) return { resourceVersion: last, gone: true, seen };
          throw new KubeError('watch-error', event.object.message ?? 'the watch ended with an error', { status: event.object.code });
        }
        last = event.object.metadata?.resourceVersion ?? last;
        if (event.type === 'BOOKMARK') continue;
        const obj = transform(event.object);
        for (const fn of listeners[objectEvent[event.type]]) fn(obj);
      }
    } catch (error) {
      if (overdue.aborted) throw new KubeError('watch-overdue', `the watch of ${path} did not end within ${seconds + 30} s`, { cause: error });
      throw error;
    }
    return { resourceVersion: last, gone: false, seen };
  };

  const run = async () => {
    let resourceVersion = (await list()).metadata?.resourceVersion;
    // Watches the server ends at once with nothing in them, one after another (a proxy that closes
    // them): a failure, so the informer backs off instead of asking again and again.
    let empty = 0;
    while (!abort.signal.aborted) {
      const began = Date.now();
      const ended = await watchOnce(resourceVersion);
      empty = ended.seen === 0 && Date.now() - began < 1000 ? empty + 1 : 0;
      if (empty >= 3) throw new KubeError('watch-ended', `the API server ended ${empty} watches of ${path} at once, with nothing in them`);
      resourceVersion = ended.gone ? (await list()).metadata?.resourceVersion : ended.resourceVersion;
    }
  };

  return {
    on(event: InformerEvent | 'error', fn: ((obj: T) => void) & ((error: unknown) => void)) {
      listeners[event].push(fn);
    },
    start() {
      run().catch((error: unknown) => {
        if (abort.signal.aborted) return;
        for (const fn of listeners.error) fn(error);
      });
      return Promise.resolve();
    },
    stop() {
      abort.abort();
      return Promise.resolve();
    },
  };
}
