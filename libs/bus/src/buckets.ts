// Every KV bucket's settings in one table, and the two ways to reach a bucket: its owner creates it
// (or updates it in place), everyone else waits for it. Readers thus need no right to create streams.
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, StorageType, type StreamInfo } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { buckets } from './names.ts';

export type BucketName = (typeof buckets)[keyof typeof buckets];

export interface BucketSettings {
  /** Values kept per key. */
  history: number;
  /** Entries expire this long after their last write (0: never). */
  ttlMs: number;
  storage: 'file' | 'memory';
  /** The component that creates the bucket and sets its replicas; the others wait for it. */
  owner: 'watcher' | 'config';
}

/** Status entries vanish this long after an instance stopped writing them. */
export const statusTtlMs = 30_000;

export const bucketSettings: Record<BucketName, BucketSettings> = {
  [buckets.zone]: { history: 1, ttlMs: 0, storage: 'file', owner: 'watcher' },
  // Fragments' history is kept under keys of its own; 64 values per key cover the commit lock's churn.
  [buckets.config]: { history: 64, ttlMs: 0, storage: 'file', owner: 'config' },
  [buckets.status]: { history: 1, ttlMs: statusTtlMs, storage: 'file', owner: 'config' },
};

export class BucketError extends Error {
  readonly code: 'bucket-update-failed' | 'bucket-create-failed';
  constructor(code: BucketError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

const streamName = (bucket: BucketName) => `KV_${bucket}`;
const isNotFound = (err: unknown) => /stream not found/i.test(String((err as Error | undefined)?.message ?? err));

/**
 * The owner's side: creates the bucket with `replicas`, or, when it exists with another replica count
 * or history, updates its stream in place (never recreated: its entries stay).
 */
export async function ensureBucket(nc: NatsConnection, bucket: BucketName, options: { replicas?: number } = {}): Promise<KV> {
  const settings = bucketSettings[bucket];
  const replicas = options.replicas ?? 1;
  const jsm = await jetstreamManager(nc);
  let info: StreamInfo | null = null;
  try {
    info = await jsm.streams.info(streamName(bucket));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!info) {
    try {
      return await new Kvm(nc).create(bucket, {
        history: settings.history,
        replicas,
        storage: settings.storage === 'file' ? StorageType.File : StorageType.Memory,
        ...(settings.ttlMs > 0 ? { ttl: settings.ttlMs } : {}),
      });
    } catch (err) {
      throw new BucketError('bucket-create-failed', `KV ${bucket}: cannot create it with ${replicas} replica(s): ${(err as Error).message}`);
    }
  }
  if (info.config.num_replicas !== replicas || info.config.max_msgs_per_subject !== settings.history) {
    try {
      await jsm.streams.update(streamName(bucket), { num_replicas: replicas, max_msgs_per_subject: settings.history });
    } catch (err) {
      throw new BucketError(
        'bucket-update-failed',
        `KV ${bucket}: cannot change it from ${info.config.num_replicas} to ${replicas} replica(s): ${(err as Error).message}`,
      );
    }
  }
  return new Kvm(nc).open(bucket, { allow_direct: info.config.allow_direct });
}

/**
 * A reader's side: binds to the bucket once it exists, asking every `intervalMs` until then (its
 * owner may start later). `stopped()` ends the wait with null.
 */
export async function openBucket(
  nc: NatsConnection,
  bucket: BucketName,
  options: { intervalMs?: number; stopped?: () => boolean; onWaiting?: () => void } = {},
): Promise<KV | null> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  let told = false;
  for (;;) {
    try {
      const info = await jsm.streams.info(streamName(bucket));
      return new Kvm(nc).open(bucket, { allow_direct: info.config.allow_direct });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (options.stopped?.() || nc.isClosed()) return null;
    if (!told) options.onWaiting?.();
    told = true;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}

/** The bucket's stream as the server has it, or null when there is none. */
export async function bucketInfo(nc: NatsConnection, bucket: BucketName): Promise<StreamInfo | null> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  try {
    return await jsm.streams.info(streamName(bucket));
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}
