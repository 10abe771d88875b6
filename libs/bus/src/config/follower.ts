// An answerer's or node cache's side of KV `halo-config`: the effective config of its target, and its
// own status in KV `halo-status` (what it runs, or the error that kept it on its last good config).
import type { NatsConnection, QueuedIterator } from '@nats-io/transport-node';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import { ATTR_CONFIG_TARGET, ATTR_CONFIG_VERSION, ATTR_ERROR_TYPE, withProcessSpan } from '@halo/telemetry';
import { SpanStatusCode } from '@opentelemetry/api';
import { buckets, configKeys, statusKey } from '../names.ts';
import { bucketInfo, openBucket } from '../buckets.ts';
import {
  decodeEffectiveConfig,
  decodeInstanceStatus,
  encodeJson,
  type ConfigTarget,
  type EffectiveConfigV1,
  type InstanceStatusV1,
  type ProgrammingLatencyV1,
} from './schemas.ts';
import type { BusError } from '../message.ts';

export type ApplyResult = { ok: true } | { ok: false; error: string };

export interface ConfigFollowerOptions {
  target: ConfigTarget;
  instance: string;
  /** Applies a new effective config; a failure keeps the last good one running. */
  apply(config: EffectiveConfigV1): Promise<ApplyResult>;
  onInvalid?(error: BusError): void;
  /** The config the instance started with (see `ConfigFollower.read`), or null for its own Corefile alone. */
  running: EffectiveConfigV1 | null;
  /** How often the status is written again, so that the status page sees the instance alive. */
  heartbeatMs?: number;
  /** The instance's DNS programming latency, written with every status (null: no zone change seen yet). */
  programmingLatency?(): ProgrammingLatencyV1 | null;
  /** Called once when KV halo-config or halo-status does not exist yet: the follower waits for them. */
  onWaiting?(bucket: string): void;
}

export class ConfigFollower {
  readonly #options: ConfigFollowerOptions;
  readonly #nc: NatsConnection;
  #status: KV | null = null;
  #closed = false;
  #started: Promise<void> = Promise.resolve();
  #iterator: QueuedIterator<KvWatchEntry> | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #current: EffectiveConfigV1 | null = null;
  #state: Omit<InstanceStatusV1, 'heartbeatAt'>;
  #queue: Promise<void> = Promise.resolve();
  /** The revision of the last entry the watch delivered, and of the key when this instance started. */
  #revision = 0;
  #startRevision = 0;
  /** The revision the watch was at when the key was last found newer than it (a possible stall). */
  #behind: number | null = null;
  #resolveSynced!: () => void;
  readonly whenSynced: Promise<void> = new Promise((resolve) => (this.#resolveSynced = resolve));

  private constructor(nc: NatsConnection, options: ConfigFollowerOptions) {
    this.#nc = nc;
    this.#options = options;
    this.#current = options.running;
    this.#state = {
      schema: 1,
      target: options.target,
      instance: options.instance,
      version: options.running?.version ?? 0,
      appliedAt: new Date().toISOString(),
      error: null,
      errorVersion: null,
    };
  }

  get #statusKey(): string {
    return statusKey(this.#options.target, this.#options.instance);
  }

  /** The effective config in the bucket now, or null when there is none (run the instance's own Corefile). */
  /**
   * Starts following. The config service creates both buckets: when one is missing the instance goes
   * on with the config it runs and follows once they exist (open does not wait for that).
   */
  static async open(nc: NatsConnection, options: ConfigFollowerOptions): Promise<ConfigFollower> {
    const follower = new ConfigFollower(nc, options);
    const [config, status] = await Promise.all([bucketInfo(nc, buckets.config), bucketInfo(nc, buckets.status)]);
    follower.#started = follower.#start();
    if (config && status) await follower.#started;
    else follower.#started.catch(() => undefined);
    return follower;
  }

  async #start(): Promise<void> {
    const wait = { stopped: () => this.#closed };
    const config = await openBucket(this.#nc, buckets.config, { ...wait, onWaiting: () => this.#options.onWaiting?.(buckets.config) });
    const status = config && (await openBucket(this.#nc, buckets.status, { ...wait, onWaiting: () => this.#options.onWaiting?.(buckets.status) }));
    if (!config || !status || this.#closed) return;
    this.#status = status;
    await this.#writeStatus();
    await this.#watch(config);
  }

  /** The config that runs now (the last one applied without error). */
  get current(): EffectiveConfigV1 | null {
    return this.#current;
  }

  /**
   * Reads the bucket's effective config once, without applying it: an instance starts with it so that
   * after a restart it runs the last good config even while the config service is down.
   */
  static async read(nc: NatsConnection, target: ConfigTarget): Promise<EffectiveConfigV1 | null> {
    // No bucket yet (the config service never ran): the instance's own Corefile alone.
    if (!(await bucketInfo(nc, buckets.config))) return null;
    const kv = await openBucket(nc, buckets.config);
    const entry = await kv?.get(configKeys.effective(target));
    if (!entry || entry.operation !== 'PUT') return null;
    const decoded = decodeEffectiveConfig(entry.value);
    return decoded.ok ? decoded.value : null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#started.catch(() => undefined);
    this.#iterator?.stop();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    await this.#queue;
    await this.#status?.delete(this.#statusKey).catch(() => undefined);
  }

  async #watch(kv: KV): Promise<void> {
    const key = configKeys.effective(this.#options.target);
    const status = await kv.status();
    // What the key holds now was written before this instance started (the watch marks the last entry of
    // its snapshot as an update, so it cannot tell).
    const atStart = await kv.get(key);
    this.#startRevision = atStart?.revision ?? 0;
    this.#follow(await kv.watch({ key }));
    if (status.values === 0) this.#resolveSynced();
    // An empty bucket has no entry for the key either; a bucket with other keys sends none for ours.
    if (!atStart) this.#resolveSynced();
    this.#heartbeat = setInterval(() => void this.#writeStatus().then(() => this.#checkWatch(kv)), this.#options.heartbeatMs ?? 10_000);
    this.#heartbeat.unref();
    void (async () => {
      for await (const s of this.#nc.status()) {
        if (this.#closed) break;
        if (s.type === 'reconnect') void this.#checkWatch(kv);
      }
    })().catch(() => undefined);
  }

  #follow(iterator: QueuedIterator<KvWatchEntry>): void {
    this.#iterator = iterator;
    void (async () => {
      for await (const entry of iterator) {
        if (this.#iterator !== iterator) break;
        // A resumed watch may repeat what the one it replaced delivered meanwhile.
        if (entry.revision <= this.#revision) continue;
        this.#revision = entry.revision;
        const foundAtStart = entry.revision <= this.#startRevision;
        this.#queue = this.#queue.then(() => this.#apply(entry, foundAtStart));
        if (entry.isUpdate || entry.delta === 0) void this.#queue.then(() => this.#resolveSynced());
      }
    })();
  }

  // nats.js notices a watch whose consumer died with its NATS server only after two missed 30 s
  // heartbeats: a watch that has not delivered the key's newer revision by the next check is resumed.
  async #checkWatch(kv: KV): Promise<void> {
    if (this.#closed) return;
    const key = configKeys.effective(this.#options.target);
    const latest = await kv.get(key).catch(() => null);
    if (!latest || latest.revision <= this.#revision) {
      this.#behind = null;
      return;
    }
    if (this.#behind !== this.#revision) {
      this.#behind = this.#revision;
      setTimeout(() => void this.#checkWatch(kv), 2_000).unref();
      return;
    }
    this.#behind = null;
    const old = this.#iterator;
    const iterator = await kv.watch({ key, resumeFromRevision: this.#revision + 1 }).catch(() => null);
    if (!iterator) return;
    if (this.#closed || this.#iterator !== old) {
      iterator.stop();
      return;
    }
    this.#follow(iterator);
    old?.stop();
  }

  async #apply(entry: KvWatchEntry, foundAtStart: boolean): Promise<void> {
    if (entry.operation !== 'PUT') return;
    const decoded = decodeEffectiveConfig(entry.value);
    if (!decoded.ok) {
      this.#options.onInvalid?.(decoded.error);
      return;
    }
    const config = decoded.value;
    if (config.version === this.#current?.version && this.#state.error === null) return;
    // The apply joins the config service's trace of the change; a config found at start (not an update)
    // starts a trace of its own, linked to that one.
    const attributes = { [ATTR_CONFIG_TARGET]: this.#options.target, [ATTR_CONFIG_VERSION]: config.version };
    const result = await withProcessSpan(
      buckets.config,
      config.trace,
      attributes,
      async (span) => {
        const applied = await this.#options.apply(config);
        if (!applied.ok) {
          span.setAttribute(ATTR_ERROR_TYPE, 'config_refused');
          span.setStatus({ code: SpanStatusCode.ERROR, message: applied.error });
        }
        return applied;
      },
      { link: foundAtStart },
    );
    if (result.ok) {
      this.#current = config;
      this.#state = { ...this.#state, version: config.version, appliedAt: new Date().toISOString(), error: null, errorVersion: null };
    } else {
      this.#state = { ...this.#state, error: result.error, errorVersion: config.version };
    }
    await this.#writeStatus();
  }

  async #writeStatus(): Promise<void> {
    const status: InstanceStatusV1 = { ...this.#state, heartbeatAt: new Date().toISOString() };
    const latency = this.#options.programmingLatency?.();
    if (latency) status.programmingLatency = latency;
    await this.#status?.put(this.#statusKey, encodeJson(status)).catch(() => undefined);
  }
}

/** Every instance's status, as the instances last wrote it (entries of stopped instances expire). */
export async function listInstanceStatus(nc: NatsConnection): Promise<InstanceStatusV1[]> {
  if (!(await bucketInfo(nc, buckets.status))) return [];
  const kv = await openBucket(nc, buckets.status);
  if (!kv) return [];
  const keys: string[] = [];
  for await (const key of await kv.keys()) keys.push(key);
  const statuses = await Promise.all(
    keys.sort().map(async (key) => {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') return null;
      const decoded = decodeInstanceStatus(entry.value);
      return decoded.ok ? decoded.value : null;
    }),
  );
  return statuses.filter((s): s is InstanceStatusV1 => s !== null);
}
