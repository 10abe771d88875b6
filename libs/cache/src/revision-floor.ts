// Monotonic reads at a node cache: per name, the least zone revision an answer may come from. Raised by
// the changes heard on the bus (the revision that changed the name) and by the answers taken (the
// revision the answerer answered from), never lowered; what a reload, a reconnect or a slow answerer
// does cannot bring an older answer back, because every query for the name asks for at least this.
import { isUnderZone, normalizeName } from './records.ts';

export interface RevisionFloorOptions {
  /** The zones whose answers carry revisions (the cluster zones); other names have no floor. */
  zones: string[];
  /** Names remembered at most; the oldest go first, and the floor of every name not remembered rises to theirs. */
  maxNames?: number;
}

export const DEFAULT_FLOOR_NAMES = 100_000;

export class RevisionFloor {
  readonly #zones: string[];
  readonly #max: number;
  /** In order of the last raise: the first ones are the first to be forgotten. */
  readonly #names = new Map<string, number>();
  /** The floor of every name not in the map: the highest revision forgotten. */
  #base = 0;

  constructor(options: RevisionFloorOptions) {
    this.#zones = options.zones.map(normalizeName);
    this.#max = Math.max(1, options.maxNames ?? DEFAULT_FLOOR_NAMES);
  }

  /** The least revision an answer for the name may come from; null outside the zones. */
  of(name: string): number | null {
    const n = normalizeName(name);
    if (!this.#zones.some((z) => isUnderZone(n, z))) return null;
    return this.#names.get(n) ?? this.#base;
  }

  /** A change at `revision` touched these names. */
  raise(names: Iterable<string>, revision: number): void {
    for (const name of names) this.#raise(normalizeName(name), revision);
  }

  /** An answer for the name came from `revision`. */
  answered(name: string, revision: number): void {
    this.#raise(normalizeName(name), revision);
  }

  get size(): number {
    return this.#names.size;
  }

  #raise(name: string, revision: number): void {
    const known = this.#names.get(name) ?? this.#base;
    if (revision <= known) return;
    this.#names.delete(name);
    this.#names.set(name, revision);
    while (this.#names.size > this.#max) {
      const [oldest, value] = this.#names.entries().next().value as [string, number];
      this.#names.delete(oldest);
      this.#base = Math.max(this.#base, value);
    }
  }
}
