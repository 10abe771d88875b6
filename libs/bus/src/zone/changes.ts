// The node cache's side of `halo.zone.changed`.
import type { NatsConnection, MsgHdrs } from '@nats-io/transport-node';
import type { Span } from '@opentelemetry/api';
import { ATTR_ZONE_KEY, ATTR_ZONE_NAMES, ATTR_ZONE_REVISION, withProcessSpan } from '@halo/telemetry';
import { subjects } from '../names.ts';
import type { BusError } from '../message.ts';
import { decodeZoneChanged, type ZoneChangedV1 } from './schemas.ts';

export interface ZoneChangeHandlers {
  /**
   * Called inside a `process halo.zone.changed` span, the child of the watcher's `send` span (its context
   * is in the headers); the handler may add attributes to it.
   */
  onChange(change: ZoneChangedV1, headers: MsgHdrs | undefined, span: Span): void;
  onInvalid?(error: BusError): void;
}

/** Subscribes to zone changes; invalid messages are reported and skipped. Returns the unsubscribe. */
export function subscribeZoneChanges(nc: NatsConnection, handlers: ZoneChangeHandlers): () => void {
  const subscription = nc.subscribe(subjects.zoneChanged, {
    callback: (err, msg) => {
      if (err) return;
      const decoded = decodeZoneChanged(msg.data);
      if (!decoded.ok) {
        handlers.onInvalid?.(decoded.error);
        return;
      }
      const change = decoded.value;
      const attributes = { [ATTR_ZONE_KEY]: change.key, [ATTR_ZONE_REVISION]: change.revision, [ATTR_ZONE_NAMES]: change.names.length };
      withProcessSpan(subjects.zoneChanged, msg.headers, attributes, (span) => handlers.onChange(change, msg.headers, span));
    },
  });
  return () => subscription.unsubscribe();
}
