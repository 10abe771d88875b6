// The config's part of the bus: KV `halo-config` (the config service writes fragments and each target's
// effective config; answerers and node caches follow theirs) and KV `halo-status` (each instance's own).
export {
  configTargets,
  decodeFragment,
  decodeEffectiveConfig,
  decodeInstanceStatus,
  type ConfigTarget,
  type FragmentV1,
  type FragmentSource,
  type EffectiveConfigV1,
  type InstanceStatusV1,
  type ProgrammingLatencyV1,
} from './schemas.ts';
export { ConfigFollower, listInstanceStatus, type ApplyResult, type ConfigFollowerOptions } from './follower.ts';
export { FragmentStore, fragmentNamePattern, type FragmentWrite, type WriteResult } from './fragment-store.ts';
