export { subjects, buckets, zoneCompleteKey, zoneKey, parseZoneKey, configKeys, statusKey, type ZoneObject } from './names.ts';
export { connectBus, type BusOptions } from './connect.ts';
export { bucketSettings, ensureBucket, openBucket, bucketInfo, statusTtlMs, BucketError, type BucketName, type BucketSettings } from './buckets.ts';
export { busUsers, busPermissions, inboxPrefixOf, renderAuthorization, type BusUser, type Permissions, type NatsUser } from './permissions.ts';
export {
  decodeZoneEntry,
  encodeZoneEntry,
  decodeZoneChanged,
  encodeZoneChanged,
  sourceTimeOf,
  decodeZoneComplete,
  encodeZoneComplete,
  type ZoneEntryV1,
  type ZoneChangedV1,
  type ZoneCompleteV1,
  type TraceFields,
  type BusError,
  type Decoded,
} from './schemas.ts';
export { ZoneStore, type ZoneUpdate, type ZoneListener, type ZoneStoreOptions } from './zone-store.ts';
export { ZoneWriter } from './zone-writer.ts';
export { subscribeZoneChanges, type ZoneChangeHandlers } from './zone-changes.ts';
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
} from './config-schemas.ts';
export { ConfigFollower, listInstanceStatus, type ApplyResult, type ConfigFollowerOptions } from './config-follower.ts';
export { FragmentStore, fragmentNamePattern, type FragmentWrite, type WriteResult } from './fragment-store.ts';
