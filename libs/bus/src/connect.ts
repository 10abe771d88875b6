import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { inboxPrefixOf } from './permissions.ts';

export interface BusOptions {
  /** NATS server URLs, e.g. `nats://127.0.0.1:4222` (or `tls://…`). */
  servers: string | string[];
  /** The client name the server shows for this connection. */
  name: string;
  /** The NATS user (one per component) and its password, read from a file (a mounted Secret). */
  user?: string;
  password?: string;
  /** A CA bundle (PEM) to verify the servers' certificates: TLS on. */
  ca?: string;
  /**
   * The name the servers' certificates must carry. Clients dial the NATS Service by its address, and
   * an address is no name a certificate is checked against (nats.js would check `localhost`).
   */
  tlsName?: string;
}

/**
 * Connects to NATS and keeps reconnecting forever: DNS must outlive a restart of the bus. The first
 * connect waits for a server too, so that pods may start before NATS does. A user gets its own inbox
 * prefix: its permissions let it read its own replies and no one else's.
 */
export async function connectBus(options: BusOptions): Promise<NatsConnection> {
  const auth: Partial<ConnectionOptions> = {};
  if (options.user !== undefined) {
    auth.user = options.user;
    auth.pass = options.password;
    auth.inboxPrefix = inboxPrefixOf(options.user);
  }
  // nats.js hands its tls options to Node's tls.connect, `servername` included (its type leaves it out).
  if (options.ca !== undefined) auth.tls = { ca: options.ca, ...(options.tlsName ? { servername: options.tlsName } : {}) } as ConnectionOptions['tls'];
  return connect({
    servers: options.servers,
    name: options.name,
    ...auth,
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

/** The inbox prefix the connection was made with (`_INBOX_<user>`), or undefined for nats.js's default. */
export function inboxPrefixOfConnection(nc: NatsConnection): string | undefined {
  // nats.js keeps its options on the connection object; the tests of a user's writes fail if it stops.
  return (nc as NatsConnection & { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
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
