// One change at a time across the config service's replicas: a fragment is validated against the live
// ones and written while no other change can land, so two fragments claiming one zone cannot both win.
// The lock is a KV key created only if absent; a holder that died is taken over once its lease ran out.
import { randomUUID } from 'node:crypto';
import type { KV } from '@nats-io/kv';

export interface CommitLockOptions {
  /** A holder that died keeps the lock this long at most. */
  leaseMs?: number;
  /** How long a change waits for the lock before it gives up. */
  waitMs?: number;
}

export class LockTimeout extends Error {
  readonly code = 'lock-timeout';
}

interface Held {
  holder: string;
  until: number;
}

export class CommitLock {
  readonly #kv: KV;
  readonly #key: string;
  readonly #leaseMs: number;
  readonly #waitMs: number;
  /** Changes of this replica queue here first, so they do not poll the KV against each other. */
  #local: Promise<unknown> = Promise.resolve();

  constructor(kv: KV, key = 'lock.commit', options: CommitLockOptions = {}) {
    this.#kv = kv;
    this.#key = key;
    this.#leaseMs = options.leaseMs ?? 10_000;
    this.#waitMs = options.waitMs ?? 15_000;
  }

  /** Runs `change` while holding the lock; throws LockTimeout when it cannot be had in time. */
  hold<T>(change: () => Promise<T>): Promise<T> {
    const run = this.#local.then(async () => {
      const revision = await this.#acquire();
      try {
        return await change();
      } finally {
        await this.#kv.delete(this.#key, { previousSeq: revision }).catch(() => undefined);
      }
    });
    this.#local = run.catch(() => undefined);
    return run;
  }

  async #acquire(): Promise<number> {
    const deadline = Date.now() + this.#waitMs;
    const holder = randomUUID();
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      const value = JSON.stringify({ holder, until: Date.now() + this.#leaseMs } satisfies Held);
      try {
        return await this.#kv.create(this.#key, value);
      } catch {
        // Held by someone: take it over only when the holder's lease has run out.
        const entry = await this.#kv.get(this.#key);
        if (entry && entry.operation === 'PUT') {
          let held: Held | null;
          try {
            held = JSON.parse(entry.string()) as Held;
          } catch {
            held = null;
          }
          if (!held || typeof held.until !== 'number' || held.until < Date.now()) {
            const taken = await this.#kv.update(this.#key, value, entry.revision).catch(() => null);
            if (taken !== null) return taken;
          }
        }
      }
      if (Date.now() > deadline) throw new LockTimeout(`another change held the config lock for more than ${this.#waitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
    }
  }
}
