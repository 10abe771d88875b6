// The bus side of the node cache: `halo.zone.changed` drops the names a change touched; while the bus is
// down, cluster-zone answers are capped to a few seconds (a change may go unseen); when it is back, every
// cluster-zone answer is dropped (changes may have been missed). Drops are repeated shortly after, because
// an answerer may apply a change a moment after the node cache hears of it and hand out the old answer
// once more.
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, subscribeZoneChanges, type ZoneChangedV1 } from '@halo/bus';
import { ATTR_CACHE_DROPPED } from '@halo/telemetry';
import type { CacheControl } from './cache-control.ts';

export interface BusInvalidationOptions {
  servers: string[];
  name: string;
  zones: string[];
  busDownTtl: number;
  control: CacheControl;
  /** Drop again after these delays (ms). */
  repeatMs?: number[];
  logger?: { info(o: object, msg?: string): void; warn(o: object, msg?: string): void };
  onChange?(change: ZoneChangedV1, dropped: number): void;
  /** For tests: connect differently. */
  connect?(servers: string[], name: string): Promise<NatsConnection>;
}

export interface BusInvalidation {
  connected(): boolean;
  /** Resolves once the bus was connected and the zone subscription is in place (null: closed before). */
  readonly firstConnect: Promise<NatsConnection | null>;
  close(): Promise<void>;
}

export const DEFAULT_REPEAT_MS = [250, 1000];

export function startBusInvalidation(o: BusInvalidationOptions): BusInvalidation {
  const repeat = o.repeatMs ?? DEFAULT_REPEAT_MS;
  const timers = new Set<NodeJS.Timeout>();
  let isConnected = false;
  let closed = false;
  let nc: NatsConnection | null = null;

  const later = (fn: () => void) => {
    for (const ms of repeat) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!closed) fn();
      }, ms);
      timers.add(t);
    }
  };
  const busDown = (why: string) => {
    isConnected = false;
    o.control.capTtl(o.zones, o.busDownTtl);
    o.logger?.warn({ why, capSeconds: o.busDownTtl, zones: o.zones }, 'bus down: cluster-zone answers capped');
  };
  const busUp = (why: string) => {
    isConnected = true;
    const dropped = o.control.invalidateZones(o.zones);
    o.logger?.info({ why, dropped, zones: o.zones }, 'bus up: cluster-zone answers dropped');
    later(() => o.control.invalidateZones(o.zones));
    // The cap stays until the last repeated drop: until then an old answer may still come in.
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closed && isConnected) o.control.capTtl(o.zones, null);
    }, Math.max(0, ...repeat));
    timers.add(t);
  };

  // No bus yet: as good as a bus that is down.
  busDown('starting');
  const firstConnect = (async () => {
    const conn = await (o.connect ?? ((servers, name) => connectBus({ servers, name })))(o.servers, o.name);
    if (closed) {
      await conn.close();
      return null;
    }
    nc = conn;
    subscribeZoneChanges(conn, {
      // Inside the change's `process halo.zone.changed` span (its parent: the watcher's send).
      onChange: (change, _headers, span) => {
        const dropped = o.control.invalidate(change.names);
        span.setAttribute(ATTR_CACHE_DROPPED, dropped);
        later(() => o.control.invalidate(change.names));
        o.onChange?.(change, dropped);
      },
      onInvalid: (error) => o.logger?.warn({ error }, 'skipping an invalid zone change'),
    });
    // The subscription is registered with the server once this round trip returns.
    await conn.flush();
    busUp('connected');
    void (async () => {
      for await (const s of conn.status()) {
        if (s.type === 'disconnect') busDown('disconnected');
        else if (s.type === 'reconnect') busUp('reconnected');
      }
    })();
    return conn;
  })();
  firstConnect.catch((err: unknown) => o.logger?.warn({ err }, 'cannot connect to the bus'));

  return {
    connected: () => isConnected,
    firstConnect,
    close: async () => {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await nc?.drain().catch(() => undefined);
    },
  };
}
