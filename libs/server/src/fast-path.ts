// Pre-encoded answers keyed by the case-folded wire question (plus the EDNS/size class).

const MAX_ENTRIES = 100_000;

/** `T` is what the server keeps per answer: the encoded message and what it needs to copy it out. */
export class FastPath<T = Buffer> {
  private readonly answers = new Map<string, T>();
  private readonly keysByName = new Map<string, Set<string>>();
  /** Bumped by every invalidation: an answer computed before one must not be stored after it. */
  generation = 0;

  get size(): number {
    return this.answers.size;
  }

  get(key: string): T | undefined {
    return this.answers.get(key);
  }

  set(key: string, qnameLower: string, value: T): void {
    // A full table starts over: simpler than LRU, and the table refills from the next queries.
    if (this.answers.size >= MAX_ENTRIES) this.clear();
    this.answers.set(key, value);
    const name = canonical(qnameLower);
    let keys = this.keysByName.get(name);
    if (!keys) this.keysByName.set(name, (keys = new Set()));
    keys.add(key);
  }

  /**
   * Drops the answers of these names, of their ancestors (an empty non-terminal may have appeared
   * or gone), and of names below them (pods and endpoints under a headless service).
   */
  invalidate(names: readonly string[]): void {
    this.generation++;
    if (this.answers.size === 0) return;
    const targets = new Set(names.map(canonical));
    const ancestors = new Set<string>();
    for (const n of targets) {
      let rest = n;
      for (let dot = rest.indexOf('.'); dot >= 0; dot = rest.indexOf('.')) {
        rest = rest.slice(dot + 1);
        ancestors.add(rest);
      }
    }
    for (const [name, keys] of this.keysByName) {
      let hit = targets.has(name) || ancestors.has(name);
      if (!hit) {
        for (const t of targets) {
          if (name.endsWith(`.${t}`)) {
            hit = true;
            break;
          }
        }
      }
      if (!hit) continue;
      for (const k of keys) this.answers.delete(k);
      this.keysByName.delete(name);
    }
  }

  clear(): void {
    this.generation++;
    this.answers.clear();
    this.keysByName.clear();
  }
}

function canonical(name: string): string {
  const lower = name.toLowerCase();
  return lower.length > 1 && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
