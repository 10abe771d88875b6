// The watcher's side of KV `halo-zone`: write a record set, delete a key, and tell the caches what changed.
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import type { RecordSet } from '@halo/zone';
import { injectTrace } from '@halo/telemetry';
import { buckets, subjects } from './names.ts';
import { openBucket } from './connect.ts';
import { encodeZoneChanged, encodeZoneEntry, type TraceFields } from './schemas.ts';

export class ZoneWriter {
  readonly #nc: NatsConnection;
  readonly #kv: KV;

  private constructor(nc: NatsConnection, kv: KV) {
    this.#nc = nc;
    this.#kv = kv;
  }

  static async open(nc: NatsConnection): Promise<ZoneWriter> {
    return new ZoneWriter(nc, await openBucket(nc, buckets.zone));
  }

  /** Every key the bucket holds now (deleted keys excluded). */
  async keys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of await this.#kv.keys()) keys.push(key);
    return keys;
  }

  /**
   * Writes a record set and publishes the names it touched. The active trace context goes inside the
   * KV value (a put has no headers) and into the headers of the change message.
   */
  async put(key: string, recordSet: RecordSet, names: string[]): Promise<number> {
    const trace: TraceFields = {};
    injectTrace(trace);
    const revision = await this.#kv.put(key, encodeZoneEntry(recordSet, trace));
    this.#publish(key, names, revision);
    return revision;
  }

  async delete(key: string, names: string[]): Promise<void> {
    await this.#kv.delete(key);
    this.#publish(key, names, 0);
  }

  #publish(key: string, names: string[], revision: number): void {
    const h = headers();
    injectTrace(h);
    this.#nc.publish(subjects.zoneChanged, encodeZoneChanged({ key, names, revision }), { headers: h });
  }
}
