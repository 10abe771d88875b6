// Pre-encoded answers keyed by the case-folded wire question (plus the reply class and listener).
import type { Answer } from 'dns-packet';
import { foldedQuestion, sameFoldedQuestion, type WireScan } from '@halo/dns';

/** About 550 bytes each (slot, question, entry, message): at most ~30 MB. CoreDNS's cache holds 9 984 per kind. */
const MAX_ENTRIES = 50_000;
const SLAB_SIZE = 64 * 1024;
const QUESTION_SLAB_SIZE = 16 * 1024;

/**
 * Copies long-lived bytes into slabs of their own. A small Buffer from Buffer.from/allocUnsafe is a
 * slice of Node's shared 8 KiB pool and keeps all of it alive: pre-encoded answers stored from there
 * pinned kilobytes each. A small typed array of its own costs ~200 bytes beside its data (its object,
 * its ArrayBuffer's): a slice of a slab ~100.
 */
export class WireSlab {
  private readonly size: number;
  private slab: Buffer;
  private used = 0;

  constructor(size = SLAB_SIZE) {
    this.size = size;
    this.slab = Buffer.allocUnsafeSlow(size);
  }

  copy(wire: Uint8Array): Buffer {
    const out = this.take(wire.length);
    out.set(wire);
    return out;
  }

  /** `length` bytes of a slab (of their own when large), for the caller to fill. */
  take(length: number): Buffer {
    if (length > this.size / 4) return Buffer.allocUnsafeSlow(length);
    if (this.used + length > this.size) {
      this.slab = Buffer.allocUnsafeSlow(this.size);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + length);
    // Keep slices 8-byte aligned, as Node's pool does.
    this.used += (length + 7) & ~7;
    return out;
  }
}

/**
 * True when an RRset of the answers holds more than one record (a cache shuffles those on each reply):
 * a copy of such a reply is kept only where it can be shuffled on the wire.
 */
export function hasRrsetOfMany(answers: readonly Answer[]): boolean {
  for (let i = 1; i < answers.length; i++)
    for (let j = 0; j < i; j++) if (answers[i].type === answers[j].type && answers[i].name === answers[j].name) return true;
  return false;
}

/**
 * True when the core can keep a countdown copy of a reply with these answers: none of its RRsets needs
 * shuffling, or it holds only addresses of the question's name, which are shuffled on the wire
 * (`uniformAnswers` of @halo/dns; a CNAME or SRV among several records is not).
 */
export function copyableAnswers(answers: readonly Answer[]): boolean {
  if (!hasRrsetOfMany(answers)) return true;
  const owner = answers[0]?.name;
  return answers.every((rr) => (rr.type === 'A' || rr.type === 'AAAA') && rr.name === owner);
}

/** One answer: its question as case-folded wire bytes (name, type, class), reply class and listener. */
interface Slot<T> {
  /** Where it is in `slots`: mix(question's hash, reply class). */
  hash: number;
  question: Uint8Array;
  client: number;
  listenKey: string;
  value: T;
  /** The next slot of the same hash. */
  next: Slot<T> | null;
}

/**
 * `T` is what the server keeps per answer: the encoded message and what it needs to copy it out.
 * Looked up by the hash of the query's bytes (`WireScan.hash`), then compared byte for byte: a hit
 * makes no string.
 */
export class FastPath<T = Buffer> {
  private readonly slots = new Map<number, Slot<T>>();
  private count = 0;
  /** The slots of each name: one (usual) or several (types, client classes). */
  private readonly slotsByName = new Map<string, Slot<T> | Slot<T>[]>();
  /** The slots' questions: tens of bytes each, in slabs smaller than the answers' (fewer pinned by a survivor). */
  private readonly questions = new WireSlab(QUESTION_SLAB_SIZE);
  private readonly takeQuestion = (length: number): Buffer => this.questions.take(length);
  /** Bumped by every invalidation: an answer computed before one must not be stored after it. */
  generation = 0;

  get size(): number {
    return this.count;
  }

  /** The answer to the query in `wire` (scanned as `scan`) for this reply class (replyClass) and listener. */
  get(wire: Buffer, scan: WireScan, client: number, listenKey: string): T | undefined {
    return this.find(wire, scan, client, listenKey)?.value;
  }

  /** Keeps `value` as the answer to the query in `wire`; `qnameLower` names it for invalidation. */
  set(wire: Buffer, scan: WireScan, client: number, listenKey: string, qnameLower: string, value: T): void {
    const known = this.find(wire, scan, client, listenKey);
    if (known !== undefined) {
      known.value = value;
      return;
    }
    // A full table starts over: simpler than LRU, and the table refills from the next queries.
    if (this.count >= MAX_ENTRIES) this.clear();
    const hash = mix(scan.hash, client);
    const slot: Slot<T> = { hash, question: foldedQuestion(wire, scan, this.takeQuestion), client, listenKey, value, next: this.slots.get(hash) ?? null };
    this.slots.set(hash, slot);
    this.count++;
    const name = canonical(qnameLower);
    const kept = this.slotsByName.get(name);
    if (kept === undefined) this.slotsByName.set(name, slot);
    else if (Array.isArray(kept)) kept.push(slot);
    else this.slotsByName.set(name, [kept, slot]);
  }

  /**
   * Drops the answers of these names, of their ancestors (an empty non-terminal may have appeared
   * or gone), and of names below them (pods and endpoints under a headless service).
   */
  invalidate(names: readonly string[]): void {
    this.generation++;
    if (this.count === 0) return;
    const targets = new Set(names.map(canonical));
    const ancestors = new Set<string>();
    for (const n of targets) {
      let rest = n;
      for (let dot = rest.indexOf('.'); dot >= 0; dot = rest.indexOf('.')) {
        rest = rest.slice(dot + 1);
        ancestors.add(rest);
      }
    }
    for (const [name, kept] of this.slotsByName) {
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
      if (Array.isArray(kept)) for (const slot of kept) this.drop(slot);
      else this.drop(kept);
      this.slotsByName.delete(name);
    }
  }

  clear(): void {
    this.generation++;
    this.slots.clear();
    this.slotsByName.clear();
    this.count = 0;
  }

  private find(wire: Buffer, scan: WireScan, client: number, listenKey: string): Slot<T> | undefined {
    const length = scan.nameEnd - 8;
    for (let slot = this.slots.get(mix(scan.hash, client)) ?? null; slot !== null; slot = slot.next)
      if (slot.client === client && slot.listenKey === listenKey && slot.question.length === length && sameFoldedQuestion(wire, slot.question)) return slot;
    return undefined;
  }

  private drop(slot: Slot<T>): void {
    let prev: Slot<T> | null = null;
    for (let at = this.slots.get(slot.hash) ?? null; at !== null; prev = at, at = at.next) {
      if (at !== slot) continue;
      if (prev !== null) prev.next = at.next;
      else if (at.next !== null) this.slots.set(slot.hash, at.next);
      else this.slots.delete(slot.hash);
      this.count--;
      return;
    }
  }
}

/** The question's hash and the reply class in one 32-bit key. */
function mix(hash: number, client: number): number {
  return Math.imul(hash ^ client, 0x01000193) >>> 0;
}

function canonical(name: string): string {
  const lower = name.toLowerCase();
  return lower.length > 1 && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
