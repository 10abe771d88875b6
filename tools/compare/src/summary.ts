// Many differing questions (a generated cluster of thousands of Services) are a few kinds of difference:
// grouped by question type and what differs, with the numbers and generated names made alike.
import type { Outcome } from './compare.ts';

export interface DifferenceKind {
  kind: string;
  count: number;
  examples: string[];
}

/** `svc-00042.ns-007` and `10-128-3-9` say nothing about the kind of difference: they become N. */
export function shapeOf(text: string): string {
  return (
    text
      .replace(/\b(?:[0-9a-f]\.){31}[0-9a-f]\.ip6\.arpa/g, 'N.ip6.arpa')
      .replace(/\b\d+(?:[.-]\d+){3}(?=\.in-addr\.arpa)/g, 'N')
      // Digits after a letter are part of a word (ip6, RFC8482).
      .replace(/(?<![a-z])\d+/gi, 'N')
      .replace(/N(?:[-.:]N)+/g, 'N')
  );
}

export function differenceKinds(outcomes: readonly Outcome[], examples = 3): DifferenceKind[] {
  const kinds = new Map<string, DifferenceKind>();
  for (const o of outcomes) {
    for (const d of o.differences) {
      const kind = `${o.question.type} ${shapeOf(d.what)}: ours ${shapeOf(d.ours)} | coredns ${shapeOf(d.theirs)}`;
      let k = kinds.get(kind);
      if (!k) kinds.set(kind, (k = { kind, count: 0, examples: [] }));
      k.count++;
      const q = `${o.question.name} ${o.question.type}`;
      if (k.examples.length < examples && !k.examples.includes(q)) k.examples.push(q);
    }
  }
  return [...kinds.values()].sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
}
