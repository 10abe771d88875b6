// The reader's side of KV `halo-zone`: the whole bucket first, then every update, validated; complete
// once the copy holds the watcher's marker of a complete sync (`zone.complete`).
import { performance } from 'node:perf_hooks';
import type { NatsConnection, QueuedIterator } from '@nats-io/transport-node';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import { compactRecordSet, recordSetsEqual, type RecordSet, type ServicePort } from '@halo/zone';
import { ATTR_ZONE_KEY, ATTR_ZONE_REVISION, withProcessSpan } from '@halo/telemetry';
import { buckets, zoneCompleteKey } from '../names.ts';
import { isStreamMissing } from '../connect.ts';
import { ensureBucket, openBucket } from '../buckets.ts';
import type { BusError, TraceFields } from '../message.ts';
import { decodeZoneComplete, decodeZoneEntry, sourceTimeOf, type ZoneCompleteV1 } from './schemas.ts';

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
  /**
   * True for the entries of a snapshot: the first reading of the bucket, or what a second reading
   * (after the bucket was recreated or rolled back) changed when it took over. Not changes at a source:
   * no programming latency is measured on them.
   */
  initial: boolean;
}

export type ZoneListener = (key: string, recordSet: RecordSet | null, update: ZoneUpdate) => void;

export interface ZoneStoreOptions {
  /** Called for each KV entry that fails validation; the entry is skipped and the key keeps its value. */
  onInvalid?: (key: string, error: BusError) => void;
  /**
   * Whether each change is heard in a `process halo-zone` span of the change's trace (default true). A
   * copy that serves nobody (the watcher's own) is no step of a change's path and says false.
   */
  traceChanges?: boolean;
  /**
   * Called when the bucket turns out to be another one than the store was reading: recreated (a bus
   * restored without its data) or rolled back (restored from an older backup). The store then reads it
   * again beside the copy it serves, and swaps once that reading is complete.
   */
  onReset?: (reason: string) => void;
  /**
   * How often the bucket is checked besides after every reconnect (default 10 s; 0: only then): for a
   * recreated or rolled-back bucket, and for a watch that stalled (see `onWatchResumed`).
   */
  checkIntervalMs?: number;
  /**
   * Called when the watch made no progress between two checks while the bucket held newer entries (its
   * consumer died with a NATS server) and was resumed after the last revision applied.
   */
  onWatchResumed?: (revision: number) => void;
  /**
   * When a second reading takes over: once it is complete (the default: an answerer never serves a
   * partial zone), or once its snapshot is in (the watcher, which writes the marker itself).
   */
  swapWhen?: 'complete' | 'synced';
  /** Called once when the bucket does not exist yet: the store waits for the watcher to create it. */
  onWaiting?: () => void;
  /**
   * The owner's copy (the watcher's): creates the bucket when it is missing, with these replicas, rather
   * than wait for it (a bus that lost its data has no bucket until its owner makes it again).
   */
  create?: { replicas: number };
}

/** How soon a check is made again when the last one was not conclusive (JetStream silent, a watch behind). */
const checkSoonMs = 1_000;

/**
 * How long a watch may be behind the bucket, without progress, while a query waits for a revision it
 * lacks, before it counts as stalled: entries on their way arrive within milliseconds, and until the
 * watch is resumed every node cache asking for the change is refused.
 */
const waitedStallMs = 100;

/** Work done in one turn of the event loop while applying a burst, before I/O gets its turn. */
const sliceMs = 4;
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One reading of the bucket: its snapshot, then its updates. */
interface Copy {
  records: Map<string, RecordSet>;
  /** Keys whose value failed validation (the bucket holds them, the copy does not). */
  invalid: Set<string>;
  marker: ZoneCompleteV1 | null;
  revision: number;
  synced: boolean;
  /** The stream's creation time when this reading began: another one means another bucket. */
  created: string;
  iterator: QueuedIterator<KvWatchEntry> | null;
}

const newCopy = (created: string): Copy => ({ records: new Map(), invalid: new Set(), marker: null, revision: 0, synced: false, created, iterator: null });

/**
 * A live copy of KV `halo-zone`. Implements what the `kubernetes` plugin reads (entries, subscribe,
 * synced, complete). `whenSynced` resolves once the bucket's snapshot is in, `whenComplete` once the
 * copy also holds the marker of a complete sync: only then does it hold every name of the cluster.
 */
export class ZoneStore {
  readonly #nc: NatsConnection;
  readonly #listeners = new Set<ZoneListener>();
  readonly #options: ZoneStoreOptions;
  #kv: KV;
  #current: Copy;
  /** A second reading after a reset, served once complete. */
  #next: Copy | null = null;
  #complete = false;
  #closed = false;
  #checking: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #progressWaiters: (() => void)[] = [];
  /**
   * The reading found behind the bucket at a check, its revision then, when (performance.now()), and how
   * long it may stay there without progress before it counts as stalled.
   */
  #behind: { copy: Copy; revision: number; at: number; graceMs: number } | null = null;
  /** A query waited in vain for a revision since the last check: a stall is confirmed sooner. */
  #waitedInVain = false;
  /** When the last check began (performance.now()). */
  #checkedAt = Number.NEGATIVE_INFINITY;
  /** Queries waiting for the zone to reach a revision (monotonic reads): resolved after each apply. */
  readonly #waiting = new Set<{ revision: number; done: (reached: boolean) => void }>();
  /** The port lists met so far, shared by every record set read (see compactRecordSet). */
  readonly #portLists = new Map<string, readonly ServicePort[]>();
  #resolveSynced!: () => void;
  #resolveComplete!: () => void;
  readonly whenSynced: Promise<void> = new Promise((resolve) => (this.#resolveSynced = resolve));
  readonly whenComplete: Promise<void> = new Promise((resolve) => (this.#resolveComplete = resolve));

  private constructor(nc: NatsConnection, kv: KV, created: string, options: ZoneStoreOptions) {
    this.#nc = nc;
    this.#kv = kv;
    this.#options = options;
    this.#current = newCopy(created);
  }

  /** Opens the bucket and starts watching it; `whenSynced` resolves once the initial snapshot is in. */
  static async open(nc: NatsConnection, options: ZoneStoreOptions = {}): Promise<ZoneStore> {
    // A reader waits for the watcher to create the bucket: it has no right to create it.
    const kv = options.create ? await ensureBucket(nc, buckets.zone, options.create) : await openBucket(nc, buckets.zone, { onWaiting: options.onWaiting });
    if (!kv) throw new Error(`KV ${buckets.zone}: the connection closed while waiting for the bucket`);
    const status = await kv.status();
    const store = new ZoneStore(nc, kv, status.streamInfo.created, options);
    await store.#watch(store.#current, status.values);
    store.#watchBus();
    return store;
  }

  /** The whole bucket's snapshot is in. */
  get synced(): boolean {
    return this.#current.synced;
  }

  /** The copy holds a complete zone: the snapshot is in and it holds the marker of a complete sync. */
  get complete(): boolean {
    return this.#complete;
  }

  /** The marker of the last complete sync the copy holds, if any. */
  get marker(): ZoneCompleteV1 | null {
    return this.#current.marker;
  }

  /** The KV revision of the last entry seen. */
  get revision(): number {
    return this.#current.revision;
  }

  /**
   * Resolves true once every entry up to `revision` is applied, false after timeoutMs (the answerer's
   * `RevisionGate`: a node cache asks for the revision of the change it heard of).
   */
  reached(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.#current.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        revision,
        done: (reached: boolean) => {
          clearTimeout(timer);
          this.#waiting.delete(waiter);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => {
        waiter.done(false);
        // Someone heard of a revision this copy has not reached: its watch may have stalled (one check
        // at a time however many wait).
        this.#waitedInVain = true;
        if (this.#checking === null && performance.now() - this.#checkedAt >= waitedStallMs) void this.check();
      }, timeoutMs);
      this.#waiting.add(waiter);
    });
  }

  get size(): number {
    return this.#current.records.size;
  }

  get(key: string): RecordSet | undefined {
    return this.#current.records.get(key);
  }

  entries(): IterableIterator<[string, RecordSet]> {
    return this.#current.records.entries();
  }

  /** Keys the bucket holds with a value that failed validation. */
  invalidKeys(): ReadonlySet<string> {
    return this.#current.invalid;
  }

  subscribe(listener: ZoneListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves once the copy served is a reading of the bucket as it is now and has seen every entry
   * the bucket held when this was called: what a new leader waits for before it trusts the copy.
   */
  async caughtUp(): Promise<void> {
    for (;;) {
      if (this.#closed) return;
      if (this.#next) {
        await this.#progress();
        continue;
      }
      const info = (await this.#kv.status()).streamInfo;
      if (info.created !== this.#current.created || info.state.last_seq < this.#current.revision) {
        await this.check();
        if (!this.#next) await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      // A purged stream keeps its last sequence but holds no message: nothing more will come.
      const last = info.state.messages === 0 ? 0 : info.state.last_seq;
      while (!this.#closed && !this.#next && !(this.#current.synced && this.#current.revision >= last)) await this.#progress();
      if (!this.#next) return;
    }
  }

  /** Checks now whether the bucket was recreated or rolled back (also done after every reconnect). */
  check(): Promise<void> {
    this.#checking ??= this.#checkBucket().finally(() => (this.#checking = null));
    return this.#checking;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#current.iterator?.stop();
    this.#next?.iterator?.stop();
    this.#current.iterator = null;
    this.#next = null;
    for (const resolve of this.#progressWaiters.splice(0)) resolve();
    for (const waiter of [...this.#waiting]) waiter.done(false);
  }

  async #watch(copy: Copy, values: number): Promise<void> {
    // An empty bucket sends no entry at all, so its emptiness is the end of the snapshot.
    const iterator = await this.#kv.watch();
    copy.iterator = iterator;
    if (values === 0) {
      copy.synced = true;
      this.#settle(copy);
    }
    void this.#consume(copy, iterator);
  }

  // A burst (the watcher writing the whole zone, a resync) is applied in slices of a few ms, each
  // followed by a turn of the event loop, so that queries are answered meanwhile.
  async #consume(copy: Copy, iterator: QueuedIterator<KvWatchEntry>): Promise<void> {
    let sliceStart = performance.now();
    for await (const entry of iterator) {
      if (copy.iterator !== iterator) break;
      // A resumed watch may repeat what the one it replaced delivered meanwhile: never go back.
      if (entry.revision <= copy.revision) continue;
      this.#apply(copy, entry);
      if (performance.now() - sliceStart >= sliceMs) {
        await yieldToIo();
        sliceStart = performance.now();
      }
    }
  }

  // After a reconnect (and now and then) the bucket is compared with the one being read.
  #watchBus(): void {
    void (async () => {
      for await (const s of this.#nc.status()) {
        if (this.#closed) break;
        if (s.type === 'reconnect') void this.check();
      }
    })().catch(() => undefined);
    const every = this.#options.checkIntervalMs ?? 10_000;
    if (every > 0) {
      this.#timer = setInterval(() => void this.check(), every);
      this.#timer.unref();
    }
  }

  async #checkBucket(): Promise<void> {
    if (this.#closed) return;
    this.#checkedAt = performance.now();
    const waited = this.#waitedInVain;
    this.#waitedInVain = false;
    const reading = this.#next ?? this.#current;
    let reason: string | null = null;
    let answered = false;
    let stalled = false;
    // Right after a reconnect JetStream may still be recovering its streams: a few tries.
    for (let attempt = 0; attempt < 5 && !this.#closed; attempt++) {
      try {
        const info = (await this.#kv.status()).streamInfo;
        answered = true;
        if (info.created !== reading.created) reason = 'the bucket was recreated';
        else if (info.state.last_seq < reading.revision) reason = `the bucket went back from revision ${reading.revision} to ${info.state.last_seq}`;
        else stalled = this.#stalled(reading, info.state.last_seq, waited ? waitedStallMs : checkSoonMs);
        break;
      } catch (err) {
        if (isStreamMissing(err) && attempt >= 2) {
          reason = 'the bucket is gone';
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    if (this.#closed) return;
    try {
      if (reason) await this.#reread(reason);
      else if (stalled) await this.#resume(reading);
      else if (!answered) this.#checkSoon();
    } catch {
      // The bus went away again: the next check finds the same difference and tries again.
      this.#next = null;
      this.#checkSoon();
    }
  }

  // nats.js notices a watch whose consumer died with its NATS server only after two missed heartbeats of
  // its ordered consumer (fixed at 30 s): a reading that made no progress for a while (a second; 100 ms
  // once a query waited in vain for a newer revision) while the bucket held newer entries has stalled.
  // The first sighting asks for a second check after that while.
  #stalled(reading: Copy, lastSeq: number, graceMs: number): boolean {
    if (lastSeq <= reading.revision) {
      this.#behind = null;
      return false;
    }
    const now = performance.now();
    const behind = this.#behind;
    if (behind?.copy === reading && behind.revision === reading.revision) {
      behind.graceMs = Math.min(behind.graceMs, graceMs);
      // No progress for a while: stalled. Sooner, it may only be on its way.
      if (now - behind.at >= behind.graceMs) {
        this.#behind = null;
        return true;
      }
      this.#checkSoon(behind.at + behind.graceMs - now);
      return false;
    }
    this.#behind = { copy: reading, revision: reading.revision, at: now, graceMs };
    this.#checkSoon(graceMs);
    return false;
  }

  /** A new watch for the same reading, from the revision after the last one applied. */
  async #resume(copy: Copy): Promise<void> {
    const old = copy.iterator;
    const iterator = await this.#kv.watch({ resumeFromRevision: copy.revision + 1 });
    if (this.#closed || copy.iterator !== old || (copy !== this.#current && copy !== this.#next)) {
      iterator.stop();
      return;
    }
    copy.iterator = iterator;
    old?.stop();
    this.#options.onWatchResumed?.(copy.revision);
    void this.#consume(copy, iterator);
  }

  // JetStream did not answer, or a watch is behind: ask again shortly rather than at the next periodic check.
  #checkSoon(delayMs = checkSoonMs): void {
    const timer = setTimeout(() => void this.check(), delayMs);
    timer.unref();
  }

  async #reread(reason: string): Promise<void> {
    this.#options.onReset?.(reason);
    this.#next?.iterator?.stop();
    this.#next = null;
    const create = this.#options.create;
    const kv = create ? await ensureBucket(this.#nc, buckets.zone, create) : await openBucket(this.#nc, buckets.zone, { stopped: () => this.#closed });
    if (!kv) return;
    this.#kv = kv;
    const status = await this.#kv.status();
    const next = newCopy(status.streamInfo.created);
    this.#next = next;
    for (const resolve of this.#progressWaiters.splice(0)) resolve();
    await this.#watch(next, status.values);
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

  #apply(copy: Copy, entry: KvWatchEntry): void {
    copy.revision = Math.max(copy.revision, entry.revision);
    const serving = copy === this.#current;
    if (entry.key === zoneCompleteKey) {
      if (entry.operation !== 'PUT') {
        copy.marker = null;
      } else {
        const decoded = decodeZoneComplete(entry.value);
        if (decoded.ok) copy.marker = decoded.value;
        else this.#options.onInvalid?.(entry.key, decoded.error);
      }
    } else {
      const initial = !copy.synced;
      const previous = copy.records.get(entry.key) ?? null;
      let recordSet: RecordSet | null = null;
      let trace: TraceFields | undefined;
      let sourceTime = entry.created.getTime();
      if (entry.operation === 'PUT') {
        const decoded = decodeZoneEntry(entry.value);
        if (decoded.ok) {
          recordSet = compactRecordSet(decoded.value.recordSet, this.#portLists);
          trace = decoded.value.trace;
          const source = sourceTimeOf(decoded.value.triggerTime, decoded.value.changedAt);
          if (!Number.isNaN(source)) sourceTime = source;
          copy.records.set(entry.key, recordSet);
          copy.invalid.delete(entry.key);
        } else {
          copy.invalid.add(entry.key);
          this.#options.onInvalid?.(entry.key, decoded.error);
        }
      } else {
        copy.records.delete(entry.key);
        copy.invalid.delete(entry.key);
      }
      const changed = recordSet !== null || (entry.operation !== 'PUT' && previous !== null);
      if (changed && serving) {
        const update: ZoneUpdate = { key: entry.key, recordSet, previous, revision: entry.revision, trace, sourceTime, initial };
        if (initial || this.#options.traceChanges === false) this.#notify(update);
        else this.#notifyTraced(update);
      }
    }
    if (entry.isUpdate || entry.delta === 0) copy.synced = true;
    this.#settle(copy);
  }

  /** What a copy's progress changes: synced, complete, a reading that takes over, waiters. */
  #settle(copy: Copy): void {
    if (copy === this.#current) {
      if (copy.synced) this.#resolveSynced();
      if (copy.synced && copy.marker && !this.#complete) {
        this.#complete = true;
        this.#resolveComplete();
      }
      if (this.#progressWaiters.length > 0) {
        for (const resolve of this.#progressWaiters.splice(0)) resolve();
      }
      // After the listeners: the index holds the change when a waiting query runs.
      if (this.#waiting.size > 0) for (const waiter of [...this.#waiting]) if (waiter.revision <= copy.revision) waiter.done(true);
    } else if (copy === this.#next && copy.synced && (copy.marker || this.#options.swapWhen === 'synced')) {
      void this.#swap(copy);
    }
  }

  /** Resolves at the next entry applied to the copy served, or when another copy takes over. */
  #progress(): Promise<void> {
    return new Promise((resolve) => this.#progressWaiters.push(resolve));
  }

  /**
   * The second reading is complete: it becomes the copy served, and listeners hear of every key that
   * differs from the first (nothing, when the watcher wrote back the same zone).
   */
  async #swap(next: Copy): Promise<void> {
    const old = this.#current;
    old.iterator?.stop();
    old.iterator = null;
    this.#current = next;
    this.#next = null;
    this.#settle(next);
    let sliceStart = performance.now();
    const pace = async () => {
      if (performance.now() - sliceStart < sliceMs) return;
      await yieldToIo();
      sliceStart = performance.now();
    };
    for (const [key, recordSet] of [...next.records]) {
      const previous = old.records.get(key) ?? null;
      if (!previous || !recordSetsEqual(previous, recordSet))
        this.#notify({ key, recordSet, previous, revision: next.revision, sourceTime: Date.now(), initial: true });
      // Unchanged: keep the object the listeners (an answerer's index) hold, so the zone is not held twice.
      else next.records.set(key, previous);
      await pace();
    }
    for (const [key, previous] of old.records) {
      if (!next.records.has(key)) this.#notify({ key, recordSet: null, previous, revision: next.revision, sourceTime: Date.now(), initial: true });
      await pace();
    }
  }
}
