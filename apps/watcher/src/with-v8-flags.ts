// Imported first by main.ts: replaces the process once with the watcher's V8 flags. Listing 110 000
// objects (at start, and again on every relist after an API server restart) grows Node 24's young
// generation to ~100 MB, and the process keeps it: 4 MB semi-spaces hold the watcher at ~350 MB instead
// of ~440 MB at 10 000 Services, and a relist no longer adds ~60-110 MB for good (tools/bench scale).
// The old generation grows by 30 % past what the last GC kept instead of V8's own factor (up to 4×): the
// list's garbage is collected before it piles up, ~200 MB instead of ~265-280 MB at its peak at that
// size, for ~0.5 s more CPU over the first list (tools/bench answerer).
// HALO_WATCHER_V8_FLAGS overrides the flags ("" for none).
import { reexecWithV8Flags } from '@halo/cli';

reexecWithV8Flags({ prefix: 'HALO_WATCHER', defaults: ['--max-semi-space-size=4', '--heap-growing-percent=30'], mallocArenaMax: '2' });
