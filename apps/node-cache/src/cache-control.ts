// What the bus side of the node cache does to the running server's caches: drop the names a change
// touched, cap cluster-zone TTLs while the bus is down, drop the cluster zones when it is back. Through
// the server's own API (`invalidate`, `caches()`); a reload makes new caches, so the caps in force are
// given to every cache not seen before (call `sync()` right after a reload; every operation does it too).
import type { ResponseCache } from '@halo/cache';
import type { DnsServer } from '@halo/server';

export interface CacheControl {
  /** Drops every entry of these names (all types, negative ones too). Returns how many were dropped. */
  invalidate(names: string[]): number;
  /** Drops every entry under the zones. */
  invalidateZones(zones: string[]): number;
  /** Caps the TTL of entries under the zones (null lifts it); caches made later get it too. */
  capTtl(zones: string[], seconds: number | null): void;
  /** Gives the caps in force to caches made since the last call (after a reload). */
  sync(): void;
  /** How many caches the running configuration has. */
  size(): number;
}

export type CacheServer = Pick<DnsServer, 'invalidate' | 'caches'>;

export function cacheControl(server: CacheServer): CacheControl {
  const caps = new Map<string, number>();
  let known = new WeakSet<ResponseCache>();
  const sync = (): ResponseCache[] => {
    const caches = server.caches();
    for (const c of caches) {
      if (known.has(c)) continue;
      known.add(c);
      for (const [zone, seconds] of caps) c.capTtl(zone, seconds);
    }
    return caches;
  };
  return {
    invalidate: (names) => {
      sync();
      return server.invalidate(names);
    },
    invalidateZones: (zones) => {
      let n = 0;
      for (const c of sync()) for (const z of zones) n += c.invalidateZone(z);
      return n;
    },
    capTtl: (zones, seconds) => {
      const caches = sync();
      for (const z of zones) {
        if (seconds === null) caps.delete(z);
        else caps.set(z, seconds);
        for (const c of caches) c.capTtl(z, seconds);
      }
      // Forget which caches were seen: those made later must learn the caps from scratch anyway.
      known = new WeakSet(caches);
    },
    sync: () => void sync(),
    size: () => server.caches().length,
  };
}
