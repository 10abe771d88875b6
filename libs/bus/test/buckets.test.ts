// Replicas of the buckets over a real three-server JetStream cluster: created with a count, updated in
// place to another, never recreated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { startNatsCluster, startNatsServer, waitFor, type NatsCluster } from '@halo/testing';
import { bucketInfo, bucketSettings, buckets, connectBus, ensureBucket, openBucket, type BucketName } from '../src/index.ts';

let cluster: NatsCluster;
let nc: NatsConnection;

beforeAll(async () => {
  cluster = await startNatsCluster({ size: 3 });
  nc = await connectBus({ servers: cluster.urls, name: 'buckets-test' });
});
afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
});

describe('bucket replicas', () => {
  it.each<[BucketName, number, number]>([
    [buckets.zone, 1, 3],
    [buckets.config, 3, 1],
    [buckets.status, 1, 3],
  ])('%s: created with %i replica(s), then updated in place to %i with its entries kept', async (bucket, first, second) => {
    const kv = await ensureBucket(nc, bucket, { replicas: first });
    const created = await bucketInfo(nc, bucket);
    expect(created?.config.num_replicas).toBe(first);
    expect(created?.config.max_msgs_per_subject).toBe(bucketSettings[bucket].history);
    await kv.put('kept.key', 'a value');

    await ensureBucket(nc, bucket, { replicas: second });
    const updated = await waitFor(
      async () => {
        const info = await bucketInfo(nc, bucket);
        // The peers report in once they caught up.
        return info && (info.cluster?.replicas?.length ?? 0) + 1 === second ? info : null;
      },
      { timeoutMs: 15_000, message: `${bucket} never reached ${second} replicas` },
    );
    expect(updated.config.num_replicas).toBe(second);
    expect(updated.created).toBe(created?.created);
    const reader = await openBucket(nc, bucket);
    expect((await reader?.get('kept.key'))?.string()).toBe('a value');
  });

  it('a reader waits for a bucket its owner creates later, and then reads what the owner wrote', async () => {
    const server = await startNatsServer();
    const reader = await connectBus({ servers: server.url, name: 'reader' });
    const owner = await connectBus({ servers: server.url, name: 'owner' });
    try {
      let waited = false;
      const opening = openBucket(reader, buckets.config, { intervalMs: 50, onWaiting: () => (waited = true) });
      await waitFor(() => waited, { message: 'the reader never said it waits' });
      await (await ensureBucket(owner, buckets.config)).put('effective.answerer', 'v1');
      const kv = await opening;
      expect((await kv?.get('effective.answerer'))?.string()).toBe('v1');
    } finally {
      await reader.close();
      await owner.close();
      await server.stop();
    }
  });
});
