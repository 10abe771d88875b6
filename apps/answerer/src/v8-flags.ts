// The answerer's V8 flags. Node 24 grows the young generation to ~130 MB under a steady stream of small
// garbage (one answer per query); small semi-spaces keep the answerer's peak memory ~100 MB lower at
// 10 000 Services, and 2 MB rather than 4 another ~5 MB (tools/bench). V8 lets the old generation grow
// up to 4× what the last full collection left before it collects again. The peak comes with the first
// burst of distinct questions: the cache's LRU evictions and answers built once for the fast path turn into old
// garbage on top of the ~100 MB that stay live, and the heap grew to ~135 MB for ~115 MB used at 2×
// (--heap-growing-percent=100); at 1.2× (=20) it stays ~120 MB, the peak ~12-15 MB lower (222 → 205-210
// MB), with a full collection every few seconds under load that the bench did not see in throughput.
// 1.1× (=10) was no lower: V8 grows the limit by a minimum step. V8 reads the flags only at start, so the
// process replaces itself once with them (`reexecWithV8Flags` of @halo/cli). HALO_ANSWERER_V8_FLAGS
// overrides the flags ("" for none).
import type { V8FlagsPlan } from '@halo/cli';

// glibc gives threads that allocate (V8's compiler and GC threads do) arenas of their own, and each
// arena keeps what was freed in it: two arenas hold ~10 MB less at 10 000 Services (tools/bench).
export const answererV8Flags: V8FlagsPlan = {
  prefix: 'HALO_ANSWERER',
  defaults: ['--max-semi-space-size=2', '--heap-growing-percent=20'],
  mallocArenaMax: '2',
};
