// Pre-encoded answers keyed by the case-folded wire question (plus the EDNS/size class).

/** About 550 bytes each (key, entry, message): at most ~30 MB. CoreDNS's cache holds 9 984 per kind. */
const MAX_ENTRIES = 50_000;
const SLAB_SIZE = 64 * 1024;

/**
 * Copies long-lived messages into slabs of their own. A small Buffer from Buffer.from/allocUnsafe is a
 * slice of Node's shared 8 KiB pool and keeps all of it alive: pre-encoded answers stored from there
 * pinned kilobytes each.
 */
export class WireSlab {
  private slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
  private used = 0;

  copy(wire: Buffer): Buffer {
    if (wire.length > SLAB_SIZE / 4) return Buffer.from(Uint8Array.prototype.slice.call(wire).buffer);
    if (this.used + wire.length > SLAB_SIZE) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + wire.length);
    wire.copy(out);
    // Keep slices 8-byte aligned, as Node's pool does.
    this.used += (wire.length + 7) & ~7;
    return out;
  }
}

/** `T` is what the server keeps per answer: the encoded message and what it needs to copy it out. */
export class FastPath<T = Buffer> {
  private readonly answers = new Map<string, T>();
  /** The keys of each name: one (usual) or several (types, EDNS classes), not a Set per name. */
  private readonly keysByName = new Map<string, string | string[]>();
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
    const had = this.answers.has(key);
    this.answers.set(key, value);
    if (had) return;
    const name = canonical(qnameLower);
    const keys = this.keysByName.get(name);
    if (keys === undefined) this.keysByName.set(name, key);
    else if (typeof keys === 'string') this.keysByName.set(name, [keys, key]);
    else keys.push(key);
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
      if (typeof keys === 'string') this.answers.delete(keys);
      else for (const k of keys) this.answers.delete(k);
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
