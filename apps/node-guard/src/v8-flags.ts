// The guard's V8 flags (re-executed once with them, `reexecWithV8Flags` of @halo/cli;
// HALO_NODE_GUARD_V8_FLAGS overrides them, "" for none). It probes once a second and allocates little:
// 1 MB semi-spaces and two malloc arenas take ~4 MB off its resident memory at rest (the bundle, 68 →
// 64 MB; most of what is left is Node's own binary, ~41 MB of it resident).
import type { V8FlagsPlan } from '@halo/cli';

export const nodeGuardV8Flags: V8FlagsPlan = {
  prefix: 'HALO_NODE_GUARD',
  defaults: ['--max-semi-space-size=1'],
  mallocArenaMax: '2',
};
