// The zone's versioned messages: an entry of KV `halo-zone`, the marker of a complete sync, a change on
// `halo.zone.changed`. Every message is validated when read: one that fails is reported as a BusError
// value and the reader skips it, so one bad writer cannot stop the zone.
import type { RecordSet } from '@halo/zone';
import { decodeMessage, type Decoded, type TraceFields } from '../message.ts';
import { zoneChangedV1, zoneCompleteV1, zoneEntryV1 } from '../validators.generated.js';

/** The value of one key of KV `halo-zone`. A KV put carries no headers, so the trace rides inside. */
export interface ZoneEntryV1 {
  schema: 1;
  recordSet: RecordSet;
  /** When the watcher wrote it. */
  changedAt: string;
  /**
   * When the change happened at its source (ISO 8601): the EndpointSlice's
   * `endpoints.kubernetes.io/last-change-trigger-time`, else when the watcher saw the event. The start of
   * the DNS programming latency; absent from entries of older watchers (then `changedAt` stands in).
   */
  triggerTime?: string;
  trace?: TraceFields;
}

/** The payload of `halo.zone.changed`: what one change touched. Its trace rides in the NATS headers. */
export interface ZoneChangedV1 {
  schema: 1;
  key: string;
  /** Lowercase DNS names, no trailing dot: every name the old and the new record set answer for. */
  names: string[];
  /** The KV revision of the write (0 for a delete whose revision is unknown). */
  revision: number;
  /** As in the zone entry: when the change happened at its source (ISO 8601). */
  triggerTime?: string;
}

/**
 * The value of the key `zone.complete` of KV `halo-zone`: the watcher wrote every record set the API
 * held when it (re)synced. Written after its initial sync and after every resync (a takeover, a bus
 * found restored); a reader whose copy of the bucket holds it holds a complete zone.
 */
export interface ZoneCompleteV1 {
  schema: 1;
  /** The KV revision of the last record set the sync wrote (or that the bucket held when it wrote none). */
  revision: number;
  /** How many record sets the zone held then. */
  keys: number;
  /** The watcher replica that wrote it. */
  writer: string;
  completedAt: string;
}

const encoder = new TextEncoder();

export function decodeZoneEntry(bytes: Uint8Array): Decoded<ZoneEntryV1> {
  return decodeMessage<ZoneEntryV1>(bytes, 'zone entry', { 1: zoneEntryV1 });
}

export function encodeZoneEntry(recordSet: RecordSet, trace?: TraceFields, triggerTime?: string): Uint8Array {
  const entry: ZoneEntryV1 = { schema: 1, recordSet, changedAt: new Date().toISOString() };
  if (triggerTime !== undefined) entry.triggerTime = triggerTime;
  if (trace && (trace.traceparent || trace.tracestate)) entry.trace = trace;
  return encoder.encode(JSON.stringify(entry));
}

/**
 * The source time of a change in epoch ms: `triggerTime`, else `fallback` (an ISO string or epoch ms);
 * NaN when neither parses.
 */
export function sourceTimeOf(triggerTime: string | undefined, fallback: string | number): number {
  const parsed = triggerTime === undefined ? Number.NaN : Date.parse(triggerTime);
  if (!Number.isNaN(parsed)) return parsed;
  return typeof fallback === 'number' ? fallback : Date.parse(fallback);
}

export function decodeZoneChanged(bytes: Uint8Array): Decoded<ZoneChangedV1> {
  return decodeMessage<ZoneChangedV1>(bytes, 'zone change', { 1: zoneChangedV1 });
}

export function encodeZoneChanged(change: Omit<ZoneChangedV1, 'schema'>): Uint8Array {
  const message: ZoneChangedV1 = { schema: 1, ...change };
  if (message.triggerTime === undefined) delete message.triggerTime;
  return encoder.encode(JSON.stringify(message));
}

export function decodeZoneComplete(bytes: Uint8Array): Decoded<ZoneCompleteV1> {
  return decodeMessage<ZoneCompleteV1>(bytes, 'zone complete marker', { 1: zoneCompleteV1 });
}

export function encodeZoneComplete(marker: Omit<ZoneCompleteV1, 'schema' | 'completedAt'>): Uint8Array {
  const message: ZoneCompleteV1 = { schema: 1, ...marker, completedAt: new Date().toISOString() };
  return encoder.encode(JSON.stringify(message));
}
