// The answerer's V8 flags. Node 24 grows the young generation to ~130 MB under a steady stream of small
// garbage (one answer per query); 4 MB semi-spaces keep the answerer's peak memory ~100 MB lower at
// 10 000 Services with no loss of throughput (measured with tools/bench). V8 lets the old generation
// grow up to 4× what the last full collection left before it collects again; the zone arriving while
// the answerer already answers (a watcher writing the whole bucket) then piles up ~20-30 MB of garbage
// on top, and 2× (--heap-growing-percent=100) keeps the peak ~15-20 MB lower at the same throughput.
// V8 reads the flags only at start, so the process replaces itself once with them (`reexecWithV8Flags`
// of @halo/cli). HALO_ANSWERER_V8_FLAGS overrides the flags ("" for none).
import type { V8FlagsPlan } from '@halo/cli';

// glibc gives threads that allocate (V8's compiler and GC threads do) arenas of their own, and each
// arena keeps what was freed in it: two arenas hold ~10 MB less at 10 000 Services (tools/bench).
export const answererV8Flags: V8FlagsPlan = {
  prefix: 'HALO_ANSWERER',
  defaults: ['--max-semi-space-size=4', '--heap-growing-percent=100'],
  mallocArenaMax: '2',
};
