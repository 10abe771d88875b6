// The zone's part of the bus: KV `halo-zone` (the watcher writes it, answerers hold it) and the changes
// on `halo.zone.changed` (node caches drop what they name).
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
} from './schemas.ts';
export { ZoneStore, type ZoneUpdate, type ZoneListener, type ZoneStoreOptions } from './store.ts';
export { ZoneWriter } from './writer.ts';
export { subscribeZoneChanges, type ZoneChangeHandlers } from './changes.ts';
