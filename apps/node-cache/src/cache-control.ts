// Reaches every ResponseCache of this process: the `cache` plugin's instances, made inside libs/server,
// to drop names on a zone change, cap cluster-zone TTLs while the bus is down and drop the zone when it
// returns.
//
// Why this way: libs/server keeps its cache handlers to itself (it copies the ServerContext, so the
// handlers' onZoneChange hook is out of reach, and nothing reaches capTtl / invalidateZone). Until it
// offers such a hook, the caches are found by watching ResponseCache's own methods: a cache is known
// from the first time it is read or written (an unused cache holds nothing to drop), and learns the
// current caps then. `clear()` (what the handler does when it closes) forgets it.
import { ResponseCache } from '@halo/cache';

export interface CacheControl {
  /** Drops every entry of these names (all types, negative ones too). Returns how many were dropped. */
  invalidate(names: string[]): number;
  /** Drops every entry under the zones. */
  invalidateZones(zones: string[]): number;
  /** Caps the TTL of entries under the zones (null lifts it); caches found later get it too. */
  capTtl(zones: string[], seconds: number | null): void;
  /** How many live caches are known. */
  size(): number;
}

const known = new Set<ResponseCache>();
const caps = new Map<string, number>();
let installed = false;

function track(cache: ResponseCache): void {
  if (known.has(cache)) return;
  known.add(cache);
  for (const [zone, seconds] of caps) cache.capTtl(zone, seconds);
}

function install(): void {
  if (installed) return;
  installed = true;
  const proto = ResponseCache.prototype;
  const { get, getStale, set, clear } = proto;
  proto.get = function (this: ResponseCache, ...args: Parameters<typeof get>) {
    track(this);
    return get.apply(this, args);
  };
  proto.getStale = function (this: ResponseCache, ...args: Parameters<typeof getStale>) {
    track(this);
    return getStale.apply(this, args);
  };
  proto.set = function (this: ResponseCache, ...args: Parameters<typeof set>) {
    track(this);
    return set.apply(this, args);
  };
  proto.clear = function (this: ResponseCache) {
    known.delete(this);
    return clear.apply(this);
  };
}

export function cacheControl(): CacheControl {
  install();
  return {
    invalidate: (names) => {
      let n = 0;
      for (const c of known) n += c.invalidate(names);
      return n;
    },
    invalidateZones: (zones) => {
      let n = 0;
      for (const c of known) for (const z of zones) n += c.invalidateZone(z);
      return n;
    },
    capTtl: (zones, seconds) => {
      for (const z of zones) {
        if (seconds === null) caps.delete(z);
        else caps.set(z, seconds);
        for (const c of known) c.capTtl(z, seconds);
      }
    },
    size: () => known.size,
  };
}
