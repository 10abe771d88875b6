// The node cache's side of `halo.zone.changed`.
import type { NatsConnection, MsgHdrs } from '@nats-io/transport-node';
import { subjects } from './names.ts';
import { decodeZoneChanged, type BusError, type ZoneChangedV1 } from './schemas.ts';

export interface ZoneChangeHandlers {
  onChange(change: ZoneChangedV1, headers: MsgHdrs | undefined): void;
  onInvalid?(error: BusError): void;
}

/** Subscribes to zone changes; invalid messages are reported and skipped. Returns the unsubscribe. */
export function subscribeZoneChanges(nc: NatsConnection, handlers: ZoneChangeHandlers): () => void {
  const subscription = nc.subscribe(subjects.zoneChanged, {
    callback: (err, msg) => {
      if (err) return;
      const decoded = decodeZoneChanged(msg.data);
      if (decoded.ok) handlers.onChange(decoded.value, msg.headers);
      else handlers.onInvalid?.(decoded.error);
    },
  });
  return () => subscription.unsubscribe();
}
