// The guard's V8 flags (re-executed once with them, `reexecWithV8Flags` of @halo/cli;
// HALO_NODE_GUARD_V8_FLAGS overrides them, "" for none). It probes a few times a second and allocates
// little: 1 MB semi-spaces and two malloc arenas take ~4 MB off its resident memory at rest (the bundle,
// 68 → 64 MB), and the interpreter alone (its work is a DNS query and a decision) another ~2.5 MB at the
// same CPU. Not `--lite-mode` (~2 MB less again): it takes WebAssembly away, which Node's type stripping
// and fetch need. Most of what is left is Node's own binary, ~44 MB resident.
import type { V8FlagsPlan } from '@halo/cli';

export const nodeGuardV8Flags: V8FlagsPlan = {
  prefix: 'HALO_NODE_GUARD',
  defaults: ['--max-semi-space-size=1', '--no-opt', '--no-maglev', '--no-sparkplug'],
  mallocArenaMax: '2',
};
