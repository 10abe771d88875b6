// The watcher's side of KV `halo-zone`: write a record set, delete a key, mark a complete sync, and tell
// the caches what changed.
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import type { RecordSet } from '@halo/zone';
import { ATTR_ZONE_KEY, ATTR_ZONE_NAMES, ATTR_ZONE_REVISION, injectTrace, withSendSpan } from '@halo/telemetry';
import { buckets, subjects, zoneCompleteKey } from '../names.ts';
import { isStreamMissing } from '../connect.ts';
import { ensureBucket } from '../buckets.ts';
import { PublishAcks } from './publish-acks.ts';
import type { TraceFields } from '../message.ts';
import { encodeZoneChanged, encodeZoneComplete, encodeZoneEntry } from './schemas.ts';

// A KV put is a publish to the bucket's stream on `$KV.<bucket>.<key>` (NATS ADR-8); the keys nats.js accepts.
const putSubject = `$KV.${buckets.zone}.`;
const validKey = /^[-/=.\w]+$/;

export class ZoneWriter {
  readonly #nc: NatsConnection;
  readonly #replicas: number;
  readonly #acks: PublishAcks;
  #kv: KV;

  private constructor(nc: NatsConnection, kv: KV, replicas: number) {
    this.#nc = nc;
    this.#acks = new PublishAcks(nc);
    this.#kv = kv;
    this.#replicas = replicas;
  }

  /** Opens KV `halo-zone`, the watcher's own: created, or updated in place to `replicas` (default 1). */
  static async open(nc: NatsConnection, options: { replicas?: number } = {}): Promise<ZoneWriter> {
    const replicas = options.replicas ?? 1;
    return new ZoneWriter(nc, await ensureBucket(nc, buckets.zone, { replicas }), replicas);
  }

  /** Every key the bucket holds now (deleted keys excluded). */
  async keys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of await this.#kv.keys()) keys.push(key);
    return keys;
  }

  /**
   * Writes a record set and publishes the names it touched, each in its `send` span: the trace context
   * goes inside the KV value (a put has no headers) and into the headers of the change message.
   * `triggerTime` (ISO 8601) is when the change happened at its source; both messages carry it. Puts
   * may be many in flight at once: each waits only for its own acknowledgement. `names` null: no change
   * message (a sync into a bucket no reader serves yet).
   */
  async put(key: string, recordSet: RecordSet, names: string[] | null, triggerTime?: string): Promise<number> {
    if (key.startsWith('.') || key.endsWith('.') || !validKey.test(key)) throw new Error(`invalid zone key "${key}"`);
    const revision = await withSendSpan(buckets.zone, { [ATTR_ZONE_KEY]: key }, async (span) => {
      const trace: TraceFields = {};
      injectTrace(trace);
      const value = encodeZoneEntry(recordSet, trace, triggerTime);
      const written = await this.#write(() => this.#acks.publish(putSubject + key, value));
      span.setAttribute(ATTR_ZONE_REVISION, written);
      return written;
    });
    if (names) this.#publish(key, names, revision, triggerTime);
    return revision;
  }

  /**
   * A KV delete carries neither a value nor headers: the answerers apply it in a trace of their own. The
   * change message carries the revision of the delete marker.
   */
  async delete(key: string, names: string[], triggerTime?: string): Promise<number> {
    await withSendSpan(buckets.zone, { [ATTR_ZONE_KEY]: key }, () => this.#write((kv) => kv.delete(key)));
    // kv.delete does not return the marker's revision; the key's last entry is the marker (or a later
    // write, whose revision is as good a lower bound for the caches).
    const marker = await this.#write((kv) => kv.get(key));
    const revision = marker?.revision ?? 0;
    this.#publish(key, names, revision, triggerTime);
    return revision;
  }

  /**
   * Marks the zone complete: every record set of the sync that ended at `revision` is in the bucket.
   * Readers answer only from a copy that holds this marker.
   */
  async markComplete(marker: { revision: number; keys: number; writer: string }): Promise<number> {
    const value = encodeZoneComplete(marker);
    return this.#write((kv) => kv.put(zoneCompleteKey, value));
  }

  // A bus that lost its data has no bucket: the writer makes it again (the readers notice and re-read).
  async #write<T>(op: (kv: KV) => Promise<T>): Promise<T> {
    try {
      return await op(this.#kv);
    } catch (err) {
      if (!isStreamMissing(err)) throw err;
      this.#kv = await ensureBucket(this.#nc, buckets.zone, { replicas: this.#replicas });
      return op(this.#kv);
    }
  }

  #publish(key: string, names: string[], revision: number, triggerTime: string | undefined): void {
    withSendSpan(subjects.zoneChanged, { [ATTR_ZONE_KEY]: key, [ATTR_ZONE_NAMES]: names.length }, () => {
      const h = headers();
      injectTrace(h);
      this.#nc.publish(subjects.zoneChanged, encodeZoneChanged({ key, names, revision, triggerTime }), { headers: h });
    });
  }
}
