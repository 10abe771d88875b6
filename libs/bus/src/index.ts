export { subjects, buckets } from './names.ts';
export { connectBus, openBucket, type BusOptions } from './connect.ts';
export {
  decodeZoneEntry,
  encodeZoneEntry,
  decodeZoneChanged,
  encodeZoneChanged,
  type ZoneEntryV1,
  type ZoneChangedV1,
  type TraceFields,
  type BusError,
  type Decoded,
} from './schemas.ts';
export { ZoneStore, type ZoneUpdate, type ZoneListener, type ZoneStoreOptions } from './zone-store.ts';
export { ZoneWriter } from './zone-writer.ts';
export { subscribeZoneChanges, type ZoneChangeHandlers } from './zone-changes.ts';
