// The reader's side of KV `halo-zone`: the whole bucket first, then every update, validated.
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/nats-core';
import type { Endpoint, RecordSet } from '@halo/zone';
import { ATTR_ZONE_KEY, ATTR_ZONE_REVISION, withProcessSpan } from '@halo/telemetry';
import { buckets } from './names.ts';
import { openBucket } from './connect.ts';
import { decodeZoneEntry, sourceTimeOf, type BusError, type TraceFields } from './schemas.ts';

export interface ZoneUpdate {
  key: string;
  /** The new record set, or null when the key was deleted. */
  recordSet: RecordSet | null;
  /** The record set the key held before, or null. */
  previous: RecordSet | null;
  revision: number;
  /** The writer's trace context, so that applying the change joins its trace. */
  trace?: TraceFields;
  /**
   * When the change happened at its source (epoch ms): the entry's `triggerTime`, else when the watcher
   * wrote it; for a delete, when the server stored the delete. Where DNS programming latency starts.
   */
  sourceTime: number;
  /** True for the entries of the initial snapshot. */
  initial: boolean;
}

export type ZoneListener = (key: string, recordSet: RecordSet | null, update: ZoneUpdate) => void;

export interface ZoneStoreOptions {
  /** Called for each KV entry that fails validation; the entry is skipped and the key keeps its value. */
  onInvalid?: (key: string, error: BusError) => void;
}

/** A live copy of KV `halo-zone`. Implements what the `kubernetes` plugin reads (entries, subscribe, synced). */
export class ZoneStore {
  readonly #records = new Map<string, RecordSet>();
  readonly #listeners = new Set<ZoneListener>();
  readonly #options: ZoneStoreOptions;
  #iterator: QueuedIterator<KvWatchEntry> | null = null;
  #synced = false;
  #revision = 0;
  #resolveSynced!: () => void;
  readonly whenSynced: Promise<void> = new Promise((resolve) => (this.#resolveSynced = resolve));

  private constructor(options: ZoneStoreOptions) {
    this.#options = options;
  }

  /** Opens the bucket and starts watching it; `whenSynced` resolves once the initial snapshot is in. */
  static async open(nc: NatsConnection, options: ZoneStoreOptions = {}): Promise<ZoneStore> {
    const store = new ZoneStore(options);
    await store.#watch(await openBucket(nc, buckets.zone));
    return store;
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** The KV revision of the last entry seen. */
  get revision(): number {
    return this.#revision;
  }

  get size(): number {
    return this.#records.size;
  }

  get(key: string): RecordSet | undefined {
    return this.#records.get(key);
  }

  entries(): IterableIterator<[string, RecordSet]> {
    return this.#records.entries();
  }

  subscribe(listener: ZoneListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#iterator?.stop();
    this.#iterator = null;
  }

  async #watch(kv: KV): Promise<void> {
    // An empty bucket sends no entry at all, so its emptiness is the end of the snapshot.
    const status = await kv.status();
    const iterator = await kv.watch();
    this.#iterator = iterator;
    if (status.values === 0) this.#markSynced();
    void (async () => {
      for await (const entry of iterator) this.#apply(entry);
    })();
  }

  #notify(update: ZoneUpdate): void {
    for (const listener of this.#listeners) listener(update.key, update.recordSet, update);
  }

  // A change after the snapshot is applied in a `process halo-zone` span that continues the writer's trace.
  #notifyTraced(update: ZoneUpdate): void {
    withProcessSpan(buckets.zone, update.trace ? { ...update.trace } : undefined, { [ATTR_ZONE_KEY]: update.key, [ATTR_ZONE_REVISION]: update.revision }, () =>
      this.#notify(update),
    );
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    this.#resolveSynced();
  }

  #apply(entry: KvWatchEntry): void {
    this.#revision = Math.max(this.#revision, entry.revision);
    const initial = !this.#synced;
    const previous = this.#records.get(entry.key) ?? null;
    let recordSet: RecordSet | null = null;
    let trace: TraceFields | undefined;
    let sourceTime = entry.created.getTime();
    if (entry.operation === 'PUT') {
      const decoded = decodeZoneEntry(entry.value);
      if (decoded.ok) {
        recordSet = sharePorts(decoded.value.recordSet);
        trace = decoded.value.trace;
        const source = sourceTimeOf(decoded.value.triggerTime, decoded.value.changedAt);
        if (!Number.isNaN(source)) sourceTime = source;
        this.#records.set(entry.key, recordSet);
      } else {
        this.#options.onInvalid?.(entry.key, decoded.error);
      }
    } else {
      this.#records.delete(entry.key);
    }
    const changed = recordSet !== null || (entry.operation !== 'PUT' && previous !== null);
    if (changed) {
      const update: ZoneUpdate = { key: entry.key, recordSet, previous, revision: entry.revision, trace, sourceTime, initial };
      if (initial) this.#notify(update);
      else this.#notifyTraced(update);
    }
    if (entry.isUpdate || entry.delta === 0) this.#markSynced();
  }
}

/**
 * Endpoints of one EndpointSlice carry equal port lists, each its own parsed copy: let them share one
 * (100 000 endpoints hold a few hundred distinct lists). The record set is not otherwise changed.
 */
export function sharePorts(rs: RecordSet): RecordSet {
  if (rs.kind !== 'Service' || rs.endpoints.length < 2) return rs;
  const seen = new Map<string, Endpoint['ports']>();
  for (const ep of rs.endpoints) {
    const key = JSON.stringify(ep.ports);
    const known = seen.get(key);
    if (known) ep.ports = known;
    else seen.set(key, ep.ports);
  }
  return rs;
}
