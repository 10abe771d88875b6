// The node cache's V8 flags and malloc arenas (re-executed once with them, `reexecWithV8Flags` of
// @halo/cli; HALO_NODE_CACHE_V8_FLAGS overrides the flags, "" for none). Under a steady stream of cache
// hits Node 24 grows the young generation to 64 MB and glibc keeps an arena per allocating thread: the
// cache peaked at ~155 MB resident against a 2 000-name hot set. 1 MB semi-spaces, the old generation
// collected again once it grew by half (not 4×) and two arenas keep it near 96 MB; against 2 MB
// semi-spaces they take ~1.5 MB off its memory at rest and ~2 MB off the peak for ~2 % more CPU per
// query (`npm run bench -- cache` and `-- startup`, three runs each; the node cache README).
import type { V8FlagsPlan } from '@halo/cli';

export const nodeCacheV8Flags: V8FlagsPlan = {
  prefix: 'HALO_NODE_CACHE',
  defaults: ['--max-semi-space-size=1', '--heap-growing-percent=50'],
  mallocArenaMax: '2',
};
