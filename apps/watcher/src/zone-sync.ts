// Keeps KV `halo-zone` equal to what the Kubernetes API holds, writing only what changed.
import type { NatsConnection } from '@nats-io/transport-node';
import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { V1EndpointSlice, V1Namespace, V1Pod, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ZoneStore, ZoneWriter } from '@halo/bus';
import { ATTR_K8S_NAMESPACE_NAME, ATTR_K8S_SERVICE_NAME, ATTR_ZONE_KEY, ATTR_ZONE_NAMES, ATTR_ZONE_TRIGGER_TIME, tracer } from '@halo/telemetry';
import {
  isZoneError,
  namesOf,
  namespaceRecordSet,
  podRecordSet,
  recordSetsEqual,
  serviceRecordSet,
  type RecordSet,
  type ZoneOptions,
} from '@halo/zone';

/** What the informers hold now; the sync asks it for the objects behind a key. */
export interface ClusterState {
  service(namespace: string, name: string): V1Service | undefined;
  slicesOf(namespace: string, service: string): V1EndpointSlice[];
  namespace(name: string): V1Namespace | undefined;
  pod(namespace: string, name: string): V1Pod | undefined;
  /** Every key the cluster should have in the zone. */
  keys(): Iterable<string>;
}

export interface ZoneSyncOptions {
  nc: NatsConnection;
  state: ClusterState;
  zoneOptions: ZoneOptions;
  logger: Logger;
  onWrite?(op: 'put' | 'delete'): void;
}

const retryMs = 1_000;

export class ZoneSync {
  readonly #options: ZoneSyncOptions;
  readonly #writer: ZoneWriter;
  /** What the KV holds, as far as this leader knows; filled from the bucket on taking the lead. */
  #written = new Map<string, RecordSet>();
  #dirty = new Set<string>();
  /** The earliest source time (epoch ms) of the changes not yet written, per key. */
  readonly #since = new Map<string, number>();
  #leading = false;
  #running: Promise<void> | null = null;
  #retry: NodeJS.Timeout | null = null;
  #resynced = false;
  /** Keys the bucket holds with a value that failed validation: rewritten or deleted on resync. */
  readonly #invalidHeld = new Set<string>();

  private constructor(options: ZoneSyncOptions, writer: ZoneWriter) {
    this.#options = options;
    this.#writer = writer;
  }

  static async open(options: ZoneSyncOptions): Promise<ZoneSync> {
    return new ZoneSync(options, await ZoneWriter.open(options.nc));
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** True once, as leader, the KV has been brought in line with the API at least once. */
  get resynced(): boolean {
    return this.#resynced;
  }

  /** Takes the lead: reads what the bucket holds and writes the difference, deletes included. */
  lead(): void {
    this.#leading = true;
    this.#resynced = false;
    this.#schedule();
  }

  /** Gives the lead up: nothing more is written. */
  follow(): void {
    this.#leading = false;
    this.#resynced = false;
    this.#written.clear();
    this.#dirty.clear();
    this.#since.clear();
  }

  /**
   * Marks a key as possibly changed by a change that happened at `sourceTime` (epoch ms; default now):
   * the record set written for it carries the earliest such time not yet written, as its trigger time.
   */
  touch(key: string, sourceTime: number = Date.now()): void {
    this.#dirty.add(key);
    this.#touchSince(key, sourceTime);
    if (this.#leading && this.#resynced) this.#schedule();
  }

  #touchSince(key: string, sourceTime: number): void {
    const since = this.#since.get(key);
    if (since === undefined || sourceTime < since) this.#since.set(key, sourceTime);
  }

  /** Resolves when nothing is pending (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  close(): void {
    this.#leading = false;
    if (this.#retry) clearTimeout(this.#retry);
  }

  #schedule(): void {
    if (this.#running || !this.#leading) return;
    this.#running = this.#run().finally(() => {
      this.#running = null;
      if (this.#leading && (this.#dirty.size > 0 || !this.#resynced)) this.#schedule();
    });
  }

  async #run(): Promise<void> {
    try {
      if (!this.#resynced) await this.#resync();
      while (this.#leading && this.#dirty.size > 0) {
        const [key] = this.#dirty;
        this.#dirty.delete(key!);
        try {
          await this.#sync(key!);
        } catch (err) {
          this.#dirty.add(key!);
          throw err;
        }
      }
    } catch (err) {
      this.#options.logger.warn({ err }, 'writing the zone failed; retrying');
      await new Promise<void>((resolve) => (this.#retry = setTimeout(resolve, retryMs)));
    }
  }

  async #resync(): Promise<void> {
    const store = await ZoneStore.open(this.#options.nc, {
      onInvalid: (key, error) => this.#options.logger.warn({ key, error }, 'invalid zone entry; it will be rewritten'),
    });
    await store.whenSynced;
    const snapshot = new Map(store.entries());
    await store.close();
    // Keys whose value failed validation are absent from the snapshot but present in the bucket.
    this.#invalidHeld.clear();
    for (const key of await this.#writer.keys()) {
      if (!snapshot.has(key)) {
        this.#invalidHeld.add(key);
        this.#dirty.add(key);
      }
    }
    this.#written = snapshot;
    for (const key of snapshot.keys()) this.#dirty.add(key);
    for (const key of this.#options.state.keys()) this.#dirty.add(key);
    this.#resynced = true;
    this.#options.logger.info({ keys: this.#dirty.size, held: snapshot.size }, 'resyncing the zone');
  }

  #desired(key: string): RecordSet | null {
    const { state, logger } = this.#options;
    const [kind, a = '', b = ''] = key.split('.');
    let result;
    if (kind === 'svc') {
      const service = state.service(a, b);
      if (!service) return null;
      result = serviceRecordSet(service, state.slicesOf(a, b));
    } else if (kind === 'ns') {
      const namespace = state.namespace(a);
      if (!namespace) return null;
      result = namespaceRecordSet(namespace);
    } else if (kind === 'pod') {
      const pod = state.pod(a, b);
      if (!pod) return null;
      result = podRecordSet(pod);
    } else {
      return null;
    }
    if (isZoneError(result)) {
      // An invalid object is skipped: the rest of the zone keeps serving, and so does its last good value.
      logger.warn({ key, error: result }, 'skipping an invalid object');
      return this.#written.get(key) ?? null;
    }
    return result;
  }

  async #sync(key: string): Promise<void> {
    // Changes touching the key from now on are written next time, with their own source time. A key
    // synced without a recorded change (a resync) was seen changed now.
    const since = this.#since.get(key) ?? Date.now();
    this.#since.delete(key);
    const triggerTime = new Date(since).toISOString();
    const desired = this.#desired(key);
    const held = this.#written.get(key) ?? null;
    if (desired && held && recordSetsEqual(desired, held)) return;
    if (!desired && !held && !this.#invalidHeld.has(key)) return;
    const names = [...new Set([...(held ? namesOf(held, this.#options.zoneOptions) : []), ...(desired ? namesOf(desired, this.#options.zoneOptions) : [])])];
    // The root of the change's trace: the answerers' and node caches' spans descend from it.
    const attributes: Attributes = { [ATTR_ZONE_KEY]: key, [ATTR_ZONE_NAMES]: names.length, [ATTR_ZONE_TRIGGER_TIME]: triggerTime };
    const [kind, namespace, name] = key.split('.');
    if (namespace) attributes[ATTR_K8S_NAMESPACE_NAME] = namespace;
    if (kind === 'svc' && name) attributes[ATTR_K8S_SERVICE_NAME] = name;
    await tracer.startActiveSpan('zone publish', { kind: SpanKind.INTERNAL, attributes }, async (span) => {
      try {
        if (desired) {
          await this.#writer.put(key, desired, names, triggerTime);
          this.#written.set(key, desired);
          this.#invalidHeld.delete(key);
          this.#options.onWrite?.('put');
        } else {
          await this.#writer.delete(key, names, triggerTime);
          this.#written.delete(key);
          this.#invalidHeld.delete(key);
          this.#options.onWrite?.('delete');
        }
      } catch (err) {
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
