// The node cache's V8 flags and malloc arenas (re-executed once with them, `reexecWithV8Flags` of
// @halo/cli; HALO_NODE_CACHE_V8_FLAGS overrides the flags, "" for none). Under a steady stream of cache
// hits Node 24 grows the young generation to 64 MB and glibc keeps an arena per allocating thread: the
// cache peaked at ~155 MB resident against a 2 000-name hot set. 2 MB semi-spaces, the old generation
// collected again once it grew by half (not 4×) and two arenas keep it near 100 MB at the same CPU per
// query (dnsperf against the bundle, `npm run bench -- cache` for the figures); smaller semi-spaces
// promote more garbage and the old generation grows instead.
import type { V8FlagsPlan } from '@halo/cli';

export const nodeCacheV8Flags: V8FlagsPlan = {
  prefix: 'HALO_NODE_CACHE',
  defaults: ['--max-semi-space-size=2', '--heap-growing-percent=50'],
  mallocArenaMax: '2',
};
