// The order in which forward tries its upstreams (CoreDNS's plugin/forward/policy.go): healthy ones by
// policy, then the ones marked down as a last resort.
import { randomInt } from 'node:crypto';

export type UpstreamPolicy = 'random' | 'round_robin' | 'sequential';

/** `start` is the round-robin turn (the caller counts it up). */
export function orderUpstreams<T>(upstreams: readonly T[], policy: UpstreamPolicy, start: number, isDown: (u: T) => boolean): T[] {
  let list: T[];
  switch (policy) {
    case 'sequential':
      list = [...upstreams];
      break;
    case 'round_robin': {
      const first = start % upstreams.length;
      list = [...upstreams.slice(first), ...upstreams.slice(0, first)];
      break;
    }
    default: {
      list = [...upstreams];
      for (let i = list.length - 1; i > 0; i--) {
        const j = randomInt(0, i + 1);
        [list[i], list[j]] = [list[j], list[i]];
      }
    }
  }
  return [...list.filter((u) => !isDown(u)), ...list.filter((u) => isDown(u))];
}
