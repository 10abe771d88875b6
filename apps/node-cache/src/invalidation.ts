// The bus side of the node cache: `halo.zone.changed` raises the revision floor of the names a change
// touched (so no answerer behind that revision answers them again, nor an answer already on its way)
// and drops their cached answers; while the bus is down, cluster-zone answers are capped to a few
// seconds (a change may go unseen); when it is back, every cluster-zone answer is dropped (changes may
// have been missed).
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, subscribeZoneChanges, type BusOptions, type ZoneChangedV1 } from '@halo/bus';
import { ATTR_CACHE_DROPPED } from '@halo/telemetry';
import type { CacheControl } from './cache-control.ts';

export interface BusInvalidationOptions {
  servers: string[];
  name: string;
  /** The NATS user, password and CA (none: an open bus). */
  credentials?: Pick<BusOptions, 'user' | 'password' | 'ca' | 'tlsName'>;
  zones: string[];
  busDownTtl: number;
  control: CacheControl;
  /** Monotonic reads: raised by every change before its names are dropped. */
  floor: { raise(names: Iterable<string>, revision: number): void };
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

export function startBusInvalidation(o: BusInvalidationOptions): BusInvalidation {
  let isConnected = false;
  let closed = false;
  let nc: NatsConnection | null = null;

  const busDown = (why: string) => {
    isConnected = false;
    o.control.capTtl(o.zones, o.busDownTtl);
    o.logger?.warn({ why, capSeconds: o.busDownTtl, zones: o.zones }, 'bus down: cluster-zone answers capped');
  };
  const busUp = (why: string) => {
    isConnected = true;
    const dropped = o.control.invalidateZones(o.zones);
    o.logger?.info({ why, dropped, zones: o.zones }, 'bus up: cluster-zone answers dropped');
    o.control.capTtl(o.zones, null);
  };

  // No bus yet: as good as a bus that is down.
  busDown('starting');
  const firstConnect = (async () => {
    const conn = await (o.connect ?? ((servers, name) => connectBus({ servers, name, ...o.credentials })))(o.servers, o.name);
    if (closed) {
      await conn.close();
      return null;
    }
    nc = conn;
    subscribeZoneChanges(conn, {
      // Inside the change's `process halo.zone.changed` span (its parent: the watcher's send).
      onChange: (change, _headers, span) => {
        // The floor first: an answer from before the change that arrives after the drop is then refused.
        o.floor.raise(change.names, change.revision);
        const dropped = o.control.invalidate(change.names);
        span.setAttribute(ATTR_CACHE_DROPPED, dropped);
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
      await nc?.drain().catch(() => undefined);
    },
  };
}
