// The config service's side of KV `halo-config`: fragments with every version kept, and the effective
// config of each target. Writers race safely: every write is conditional on the revision it read.
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { ATTR_CONFIG_TARGET, ATTR_CONFIG_VERSION, injectTrace, withSendSpan } from '@halo/telemetry';
import { buckets, configKeys } from '../names.ts';
import { ensureBucket } from '../buckets.ts';
import { decodeEffectiveConfig, decodeFragment, encodeJson, type ConfigTarget, type EffectiveConfigV1, type FragmentV1 } from './schemas.ts';

export const fragmentNamePattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export type FragmentWrite = Omit<FragmentV1, 'schema' | 'version' | 'changedAt'>;

export type WriteResult = { ok: true; fragment: FragmentV1 } | { ok: false; code: 'conflict'; current: number };

export class FragmentStore {
  readonly #kv: KV;

  private constructor(kv: KV) {
    this.#kv = kv;
  }

  /** Opens KV `halo-config`, the config service's own: created, or updated in place to `replicas` (default 1). */
  static async open(nc: NatsConnection, options: { replicas?: number } = {}): Promise<FragmentStore> {
    return new FragmentStore(await ensureBucket(nc, buckets.config, { replicas: options.replicas ?? 1 }));
  }

  async get(name: string): Promise<{ fragment: FragmentV1; revision: number } | null> {
    const entry = await this.#kv.get(configKeys.fragment(name));
    if (!entry || entry.operation !== 'PUT') return null;
    const decoded = decodeFragment(entry.value);
    return decoded.ok ? { fragment: decoded.value, revision: entry.revision } : null;
  }

  /** The current version of every fragment, deleted ones included (their last version says so). */
  async list(): Promise<FragmentV1[]> {
    const names: string[] = [];
    for await (const key of await this.#kv.keys(configKeys.fragments)) {
      const name = configKeys.fragmentName(key);
      if (name !== null) names.push(name);
    }
    const fragments = await Promise.all(names.sort().map((name) => this.get(name)));
    return fragments.flatMap((f) => (f ? [f.fragment] : []));
  }

  /** Every version of a fragment, oldest first. */
  async versions(name: string): Promise<FragmentV1[]> {
    const keys: string[] = [];
    for await (const key of await this.#kv.keys(configKeys.historyOf(name))) keys.push(key);
    const versions = await Promise.all(
      keys.map(async (key) => {
        const entry = await this.#kv.get(key);
        const decoded = entry ? decodeFragment(entry.value) : null;
        return decoded?.ok ? decoded.value : null;
      }),
    );
    return versions.filter((v): v is FragmentV1 => v !== null).sort((a, b) => a.version - b.version);
  }

  async version(name: string, version: number): Promise<FragmentV1 | null> {
    const entry = await this.#kv.get(configKeys.history(name, version));
    if (!entry || entry.operation !== 'PUT') return null;
    const decoded = decodeFragment(entry.value);
    return decoded.ok ? decoded.value : null;
  }

  /**
   * Writes the next version of a fragment if its current version is `expected` (0: it must not exist,
   * or be deleted); otherwise reports the conflict and writes nothing.
   */
  async write(write: FragmentWrite, expected: number | null): Promise<WriteResult> {
    const current = await this.get(write.name);
    const currentVersion = current?.fragment.version ?? 0;
    const live = current && !current.fragment.deleted ? currentVersion : 0;
    if (expected !== null && expected !== live && !(expected === 0 && current?.fragment.deleted)) {
      return { ok: false, code: 'conflict', current: live };
    }
    const fragment: FragmentV1 = { schema: 1, ...write, version: currentVersion + 1, changedAt: new Date().toISOString() };
    const data = encodeJson(fragment);
    try {
      if (current) await this.#kv.update(configKeys.fragment(write.name), data, current.revision);
      else await this.#kv.create(configKeys.fragment(write.name), data);
    } catch {
      // Another writer got there first.
      const now = await this.get(write.name);
      return { ok: false, code: 'conflict', current: now && !now.fragment.deleted ? now.fragment.version : 0 };
    }
    await this.#kv.put(configKeys.history(write.name, fragment.version), data);
    return { ok: true, fragment };
  }

  async effective(target: ConfigTarget): Promise<{ config: EffectiveConfigV1; revision: number } | null> {
    const entry = await this.#kv.get(configKeys.effective(target));
    if (!entry || entry.operation !== 'PUT') return null;
    const decoded = decodeEffectiveConfig(entry.value);
    return decoded.ok ? { config: decoded.value, revision: entry.revision } : null;
  }

  /**
   * Recomputes a target's effective config from the live fragments with `compose`, and writes it when it
   * differs, with the next version; retried when another replica wrote in between. The write is a `send
   * halo-config` span whose context rides inside the value: each instance's apply is its child.
   */
  async publishEffective(target: ConfigTarget, compose: (fragments: FragmentV1[]) => string): Promise<EffectiveConfigV1> {
    for (;;) {
      const live = (await this.list()).filter((f) => !f.deleted && f.targets.includes(target));
      const corefile = compose(live);
      const fragments = live.map((f) => ({ name: f.name, version: f.version }));
      const current = await this.effective(target);
      if (current && current.config.corefile === corefile && JSON.stringify(current.config.fragments) === JSON.stringify(fragments)) {
        return current.config;
      }
      const config: EffectiveConfigV1 = {
        schema: 1,
        target,
        version: (current?.config.version ?? 0) + 1,
        corefile,
        fragments,
        changedAt: new Date().toISOString(),
      };
      const written = await withSendSpan(buckets.config, { [ATTR_CONFIG_TARGET]: target, [ATTR_CONFIG_VERSION]: config.version }, async () => {
        const trace = {};
        injectTrace(trace);
        const value = encodeJson(Object.keys(trace).length > 0 ? { ...config, trace } : config);
        try {
          if (current) await this.#kv.update(configKeys.effective(target), value, current.revision);
          else await this.#kv.create(configKeys.effective(target), value);
          return true;
        } catch {
          // Lost a race with the other replica: read again and recompute.
          return false;
        }
      });
      if (written) return config;
    }
  }
}
