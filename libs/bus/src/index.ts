// The bus: what both parts share (connection, names and keys, buckets, users' permissions, the message
// envelope), then the zone's part and the config's part, each also importable alone
// (`@halo/bus/zone`, `@halo/bus/config`).
export { subjects, buckets, zoneCompleteKey, zoneKey, parseZoneKey, configKeys, statusKey, type ZoneObject } from './names.ts';
export { connectBus, type BusOptions } from './connect.ts';
export { bucketSettings, ensureBucket, openBucket, bucketInfo, statusTtlMs, BucketError, type BucketName, type BucketSettings } from './buckets.ts';
export { busUsers, busPermissions, inboxPrefixOf, renderAuthorization, type BusUser, type Permissions, type NatsUser } from './permissions.ts';
export type { TraceFields, BusError, Decoded } from './message.ts';
export * from './zone/index.ts';
export * from './config/index.ts';
