// JetStream publishes whose acknowledgements all come back on one inbox subscription. nats.js's
// `kv.put` is a request: a request object, a timer and, even on success, an Error per put (~10-20 µs
// of CPU each); at 10 000 record sets about a tenth of the watcher's initial write. Here a put is a
// publish with a reply subject and an entry in a map; one sweep times out what was not acknowledged.
import { createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { inboxPrefixOfConnection } from '../connect.ts';

interface Pending {
  resolve(sequence: number): void;
  reject(error: Error): void;
  sentAt: number;
}

/** An error of the publish, named as nats.js names its own (`isStreamMissing` reads the name). */
function publishError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const decoder = new TextDecoder();

export class PublishAcks {
  readonly #nc: NatsConnection;
  readonly #inbox: string;
  readonly #pending = new Map<string, Pending>();
  readonly #timeoutMs: number;
  #sweep: NodeJS.Timeout | null = null;
  #next = 0;

  constructor(nc: NatsConnection, timeoutMs = 5_000) {
    this.#nc = nc;
    // The connection's own inbox prefix: a user's permissions allow replies there and nowhere else.
    this.#inbox = createInbox(inboxPrefixOfConnection(nc));
    this.#timeoutMs = timeoutMs;
    // nats.js subscribes it again after a reconnect; acks lost meanwhile time out.
    nc.subscribe(`${this.#inbox}.*`, { callback: (_err, msg) => this.#onAck(msg) });
  }

  /** Publishes to a stream's subject; resolves with the stream sequence the server acknowledged. */
  publish(subject: string, data: Uint8Array): Promise<number> {
    const token = (this.#next++).toString(36);
    return new Promise<number>((resolve, reject) => {
      try {
        this.#nc.publish(subject, data, { reply: `${this.#inbox}.${token}` });
      } catch (err) {
        reject(err as Error);
        return;
      }
      this.#pending.set(token, { resolve, reject, sentAt: Date.now() });
      this.#sweep ??= setInterval(() => this.#timeOut(), Math.max(10, this.#timeoutMs / 5)).unref();
    });
  }

  #onAck(msg: Msg): void {
    const token = msg.subject.slice(this.#inbox.length + 1);
    const pending = this.#pending.get(token);
    if (!pending) return;
    this.#pending.delete(token);
    // No stream listens on the subject: the server answers with a 503 status and no data.
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      pending.reject(publishError('NoRespondersError', 'no responders: no stream stores the subject (jetstream is not enabled for it)'));
      return;
    }
    let ack: { seq?: unknown; error?: { description?: unknown } };
    try {
      ack = JSON.parse(decoder.decode(msg.data)) as typeof ack;
    } catch {
      pending.reject(publishError('JetStreamError', 'invalid ack response'));
      return;
    }
    if (ack.error) pending.reject(publishError('JetStreamApiError', String(ack.error.description ?? 'publish refused')));
    else if (typeof ack.seq === 'number') pending.resolve(ack.seq);
    else pending.reject(publishError('JetStreamError', 'invalid ack response'));
  }

  #timeOut(): void {
    const now = Date.now();
    for (const [token, pending] of this.#pending) {
      // In the order sent: the first one still in time ends the sweep.
      if (now - pending.sentAt < this.#timeoutMs) break;
      this.#pending.delete(token);
      pending.reject(publishError('TimeoutError', `no acknowledgement within ${this.#timeoutMs} ms`));
    }
    if (this.#pending.size === 0 && this.#sweep) {
      clearInterval(this.#sweep);
      this.#sweep = null;
    }
  }
}
