// Keeps KV `halo-zone` equal to what the Kubernetes API holds, writing only what changed, and marks the
// zone complete after every full sync.
import type { NatsConnection } from '@nats-io/transport-node';
import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { V1EndpointSlice, V1Namespace, V1Pod, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { parseZoneKey, ZoneStore, ZoneWriter } from '@halo/bus';
import { ATTR_K8S_NAMESPACE_NAME, ATTR_K8S_SERVICE_NAME, ATTR_ZONE_KEY, ATTR_ZONE_NAMES, ATTR_ZONE_TRIGGER_TIME, tracer } from '@halo/telemetry';
import { isZoneError, namesTouched, namespaceRecordSet, podRecordSet, recordSetsEqual, serviceRecordSet, type RecordSet, type ZoneOptions } from '@halo/zone';

/** What the informers hold now; the sync asks it for the objects behind a key. */
export interface ClusterState {
  service(namespace: string, name: string): V1Service | undefined;
  slicesOf(namespace: string, service: string): V1EndpointSlice[];
  namespace(name: string): V1Namespace | undefined;
  pod(namespace: string, name: string): V1Pod | undefined;
  /** Every key the cluster should have in the zone. */
  keys(): Iterable<string>;
}

export type ZoneWriteOp = 'put' | 'delete' | 'complete';

export interface ZoneSyncOptions {
  nc: NatsConnection;
  state: ClusterState;
  zoneOptions: ZoneOptions;
  logger: Logger;
  /** This replica, named in the marker of a complete sync. */
  identity: string;
  /** Replicas of KV halo-zone, which the watcher creates (or updates in place); default 1. */
  replicas?: number;
  onWrite?(op: ZoneWriteOp): void;
  /** Writes sent together (default 256); two such batches are in flight at once. */
  batch?: number;
}

const retryMs = 1_000;

/** A write this leader made that its copy of the bucket has not seen come back yet. */
interface InFlight {
  value: RecordSet | null;
  /** The revision of a put once acknowledged. */
  revision?: number;
}

export class ZoneSync {
  readonly #options: ZoneSyncOptions;
  readonly #writer: ZoneWriter;
  /**
   * A live copy of the bucket, kept by leader and standby alike: a new leader compares the API with
   * it at once instead of reading 10 000 entries when it takes over.
   */
  readonly #store: ZoneStore;
  readonly #inFlight = new Map<string, InFlight>();
  #dirty = new Set<string>();
  /** The earliest source time (epoch ms) of the changes not yet written, per key. */
  readonly #since = new Map<string, number>();
  /** Keys of the last resync still to be written before the zone is marked complete. */
  #initial: string[] | null = null;
  #leading = false;
  #running: Promise<void> | null = null;
  #retry: NodeJS.Timeout | null = null;
  #resynced = false;
  #complete = false;
  /**
   * Whether writes publish the names they touched on `halo.zone.changed`. Not while the sync writes into
   * a bucket that held nothing: no cache holds an answer from it (answerers serve a bucket only once it is
   * complete, and one serving an older copy swaps to it only then), and naming 100 000 endpoints was two
   * fifths of the watcher's work in a cold start's write.
   */
  #announce = true;

  private constructor(options: ZoneSyncOptions, writer: ZoneWriter, store: ZoneStore) {
    this.#options = options;
    this.#writer = writer;
    this.#store = store;
    store.subscribe((key, recordSet, update) => {
      // The bucket now shows this leader's write: the copy is again the truth for the key.
      const mine = this.#inFlight.get(key);
      if (!mine) return;
      if (mine.value === null ? recordSet === null : mine.revision !== undefined && update.revision >= mine.revision) this.#inFlight.delete(key);
    });
  }

  static async open(options: ZoneSyncOptions): Promise<ZoneSync> {
    const writer = await ZoneWriter.open(options.nc, { replicas: options.replicas });
    // The store reports a reset before the sync exists only if the bucket changes while it opens.
    const resets: { to?: (reason: string) => void } = {};
    const store = await ZoneStore.open(options.nc, {
      // The watcher writes the marker itself: a second reading after a reset is taken as soon as it is in.
      swapWhen: 'synced',
      // The watcher owns the bucket: its copy makes it again when the bus lost it.
      create: { replicas: options.replicas ?? 1 },
      // Its copy only tells it what the bucket holds: no step of a change's trace.
      traceChanges: false,
      onInvalid: (key, error) => options.logger.warn({ key, error }, 'invalid zone entry; it will be rewritten'),
      onReset: (reason) => resets.to?.(reason),
      onWatchResumed: (revision) =>
        options.logger.warn({ revision }, 'the zone watch stalled (its NATS server went away); resumed after the last revision applied'),
    });
    const sync = new ZoneSync(options, writer, store);
    resets.to = (reason) => sync.#onReset(reason);
    return sync;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** True once, as leader, the KV has been brought in line with the API and marked complete. */
  get complete(): boolean {
    return this.#complete;
  }

  /** Takes the lead: compares the bucket with the API and writes the difference, deletes included. */
  lead(): void {
    this.#leading = true;
    this.#resynced = false;
    this.#complete = false;
    this.#schedule();
  }

  /** Gives the lead up: nothing more is written. */
  follow(): void {
    this.#leading = false;
    this.#resynced = false;
    this.#complete = false;
    this.#initial = null;
    this.#announce = true;
    this.#dirty.clear();
    this.#since.clear();
  }

  /**
   * Marks a key as possibly changed by a change that happened at `sourceTime` (epoch ms; default now):
   * the record set written for it carries the earliest such time not yet written, as its trigger time.
   */
  touch(key: string, sourceTime: number = Date.now()): void {
    // A standby compares everything when it takes the lead, so it need not remember which keys changed;
    // it keeps when, for the record sets its resync then writes.
    this.#touchSince(key, sourceTime);
    if (!this.#leading) return;
    this.#dirty.add(key);
    if (this.#resynced) this.#schedule();
  }

  #touchSince(key: string, sourceTime: number): void {
    const since = this.#since.get(key);
    if (since === undefined || sourceTime < since) this.#since.set(key, sourceTime);
  }

  /** Resolves when nothing is pending (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async close(): Promise<void> {
    this.#leading = false;
    if (this.#retry) clearTimeout(this.#retry);
    await this.#store.close();
  }

  // The bucket was recreated or restored: what it holds is unknown until read again, so compare it all.
  #onReset(reason: string): void {
    this.#options.logger.warn({ reason }, 'the zone bucket changed under the watcher; comparing it all again');
    if (!this.#leading) return;
    this.#resynced = false;
    this.#complete = false;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#running || !this.#leading) return;
    this.#running = this.#run().finally(() => {
      this.#running = null;
      if (this.#leading && (this.#dirty.size > 0 || !this.#resynced || this.#initial)) this.#schedule();
    });
  }

  async #run(): Promise<void> {
    try {
      if (!this.#resynced) await this.#resync();
      if (this.#initial) {
        const started = Date.now();
        const cpuBefore = process.cpuUsage();
        const written = await this.#writeAll(this.#initial, (failed) => (this.#initial = failed));
        if (!this.#leading || !this.#resynced) return;
        const revision = Math.max(written.revision, this.#store.revision);
        await this.#writer.markComplete({ revision, keys: this.#heldCount(), writer: this.#options.identity });
        this.#options.onWrite?.('complete');
        this.#initial = null;
        this.#announce = true;
        this.#complete = true;
        const cpu = process.cpuUsage(cpuBefore);
        // The process's CPU over the write (ms), beside the wall time: on a shared machine the steadier figure.
        this.#options.logger.info(
          { revision, writes: written.count, ms: Date.now() - started, cpuMs: Math.round((cpu.user + cpu.system) / 1000) },
          'zone complete',
        );
      }
      while (this.#leading && this.#resynced && this.#dirty.size > 0) {
        const batch = [...this.#dirty];
        this.#dirty.clear();
        await this.#writeAll(batch, (failed) => {
          for (const key of failed) this.#dirty.add(key);
        });
      }
    } catch (err) {
      this.#options.logger.warn({ err }, 'writing the zone failed; retrying');
      await new Promise<void>((resolve) => (this.#retry = setTimeout(resolve, retryMs)));
    }
  }

  async #resync(): Promise<void> {
    // The live copy must hold everything the bucket holds now (the old leader's last writes included).
    await this.#store.caughtUp();
    if (!this.#leading) return;
    // Every key the bucket or the API knows: keys with a value that failed validation are rewritten or deleted.
    const keys = new Set<string>();
    for (const [key] of this.#store.entries()) keys.add(key);
    for (const key of this.#store.invalidKeys()) keys.add(key);
    for (const key of this.#options.state.keys()) keys.add(key);
    this.#dirty.clear();
    this.#initial = [...keys];
    this.#announce = keys.size === 0 || this.#store.size > 0 || this.#store.invalidKeys().size > 0 || this.#store.marker !== null;
    this.#resynced = true;
    this.#options.logger.info({ keys: keys.size, held: this.#store.size }, 'resyncing the zone');
  }

  /**
   * Syncs the keys in batches of `batch`, two batches in flight. A batch's writes are all sent in one
   * turn (one write to the socket for all of them), and the next batch is prepared while the acks of
   * the one before come back. Keys that failed are handed to `requeue`, and the first error is thrown
   * after the others are done.
   */
  async #writeAll(keys: readonly string[], requeue: (failed: string[]) => void): Promise<{ count: number; revision: number }> {
    const batch = this.#options.batch ?? 256;
    let count = 0;
    let revision = 0;
    const failed: string[] = [];
    let firstError: unknown;
    const inFlight: Promise<void>[] = [];
    for (let from = 0; from < keys.length && this.#leading; from += batch) {
      const slice = keys.slice(from, from + batch);
      const sent = slice.map((key) => this.#sync(key));
      inFlight.push(
        Promise.allSettled(sent).then((results) =>
          results.forEach((result, i) => {
            if (result.status === 'rejected') {
              failed.push(slice[i] ?? '');
              firstError ??= result.reason;
            } else if (result.value !== null) {
              count++;
              revision = Math.max(revision, result.value);
            }
          }),
        ),
      );
      if (inFlight.length >= 2) await inFlight.shift();
    }
    await Promise.all(inFlight);
    // Keys not reached (the lead was lost) are dropped: the next leader compares everything.
    requeue(failed);
    if (failed.length > 0) throw firstError;
    return { count, revision };
  }

  /** How many record sets the bucket holds, as far as this leader knows. */
  #heldCount(): number {
    let n = this.#store.size;
    for (const [key, mine] of this.#inFlight) {
      const inCopy = this.#store.get(key) !== undefined;
      if (mine.value && !inCopy) n++;
      else if (!mine.value && inCopy) n--;
    }
    return n;
  }

  /** What the bucket holds for a key, as far as this leader knows: its own unechoed write, else the copy. */
  #held(key: string): RecordSet | null {
    const mine = this.#inFlight.get(key);
    if (mine) return mine.value;
    return this.#store.get(key) ?? null;
  }

  #desired(key: string): RecordSet | null {
    const { state, logger } = this.#options;
    const object = parseZoneKey(key);
    let result;
    if (object?.kind === 'Service') {
      const service = state.service(object.namespace, object.name);
      if (!service) return null;
      result = serviceRecordSet(service, state.slicesOf(object.namespace, object.name));
    } else if (object?.kind === 'Namespace') {
      const namespace = state.namespace(object.name);
      if (!namespace) return null;
      result = namespaceRecordSet(namespace);
    } else if (object?.kind === 'Pod') {
      const pod = state.pod(object.namespace, object.name);
      if (!pod) return null;
      result = podRecordSet(pod);
    } else {
      return null;
    }
    if (isZoneError(result)) {
      // An invalid object is skipped: the rest of the zone keeps serving, and so does its last good value.
      logger.warn({ key, error: result }, 'skipping an invalid object');
      return this.#held(key);
    }
    return result;
  }

  /** Writes the key if it changed; the revision of a put, 0 for a delete, null when nothing was written. */
  async #sync(key: string): Promise<number | null> {
    // Changes touching the key from now on are written next time, with their own source time. A key
    // synced without a recorded change (a resync) was seen changed now.
    const since = this.#since.get(key) ?? Date.now();
    this.#since.delete(key);
    const desired = this.#desired(key);
    const held = this.#held(key);
    const invalidHeld = !this.#inFlight.has(key) && this.#store.invalidKeys().has(key);
    if (desired && held && !invalidHeld && recordSetsEqual(desired, held)) return null;
    if (!desired && !held && !invalidHeld) return null;
    const triggerTime = new Date(since).toISOString();
    const names = this.#announce ? namesTouched(held, desired, this.#options.zoneOptions) : null;
    // The root of the change's trace: the answerers' and node caches' spans descend from it.
    const attributes: Attributes = { [ATTR_ZONE_KEY]: key, [ATTR_ZONE_NAMES]: names?.length ?? 0, [ATTR_ZONE_TRIGGER_TIME]: triggerTime };
    const object = parseZoneKey(key);
    if (object) attributes[ATTR_K8S_NAMESPACE_NAME] = object.kind === 'Namespace' ? object.name : object.namespace;
    if (object?.kind === 'Service') attributes[ATTR_K8S_SERVICE_NAME] = object.name;
    return tracer.startActiveSpan('zone publish', { kind: SpanKind.INTERNAL, attributes }, async (span) => {
      const mine: InFlight = { value: desired };
      this.#inFlight.set(key, mine);
      try {
        if (desired) {
          const revision = await this.#writer.put(key, desired, names, triggerTime);
          mine.revision = revision;
          // The copy may have seen it come back already.
          if (this.#inFlight.get(key) === mine && this.#store.revision >= revision) this.#inFlight.delete(key);
          this.#options.onWrite?.('put');
          return revision;
        }
        await this.#writer.delete(key, names ?? [], triggerTime);
        if (this.#inFlight.get(key) === mine && this.#store.get(key) === undefined && !this.#store.invalidKeys().has(key)) this.#inFlight.delete(key);
        this.#options.onWrite?.('delete');
        return 0;
      } catch (err) {
        // What the bucket holds is unknown now: the copy says, once it has seen whatever did land.
        if (this.#inFlight.get(key) === mine) this.#inFlight.delete(key);
        // Written again on retry, still from when it happened.
        this.#touchSince(key, since);
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    });
  }
}
