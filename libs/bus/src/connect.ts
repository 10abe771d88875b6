import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';

export interface BusOptions {
  /** NATS server URLs, e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** The client name the server shows for this connection. */
  name: string;
}

/**
 * Connects to NATS and keeps reconnecting forever: DNS must outlive a restart of the bus. The first
 * connect waits for a server too, so that pods may start before NATS does.
 */
export async function connectBus(options: BusOptions): Promise<NatsConnection> {
  return connect({
    servers: options.servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    waitOnFirstConnect: true,
    pingInterval: 5_000,
    maxPingOut: 2,
    // Each request (every KV put) would otherwise capture a stack for an error it rarely has: a third
    // of the watcher's time writing a zone of 10 000 record sets.
    noAsyncTraces: true,
  });
}

/** Opens a KV bucket, creating it on first use (every writer and reader may be first). */
export async function openBucket(nc: NatsConnection, bucket: string, options: { history?: number } = {}): Promise<KV> {
  return new Kvm(nc).create(bucket, { history: options.history ?? 1 });
}

/**
 * The bucket's stream is not there (a bus that lost its data): a put answers "jetstream is not
 * enabled" (no stream listens on the subject), a status "stream not found".
 */
export function isStreamMissing(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | undefined;
  if (e?.name === 'StreamNotFoundError' || e?.name === 'JetStreamNotEnabled' || e?.name === 'NoRespondersError') return true;
  return /stream not found|no responders|jetstream is not enabled/i.test(String(e?.message ?? err));
}
