// ZoneSync over a real nats-server: the trigger time each record set carries is the earliest source time
// of the changes it writes, and a key written by a resync carries the time of the resync.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { pino } from 'pino';
import { connectBus, ZoneStore, type ZoneUpdate } from '@halo/bus';
import { startNatsServer, waitFor, type NatsServer } from '@halo/testing';
import { defaultZoneOptions } from '@halo/zone';
import { InformerState } from './cluster-state.ts';
import { ZoneSync } from './zone-sync.ts';

let server: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer({ jetstream: true });
  nc = await connectBus({ servers: server.url, name: 'zone-sync-test' });
});
afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

const service = (name: string, clusterIP: string): V1Service => ({
  metadata: { name, namespace: 'shop' },
  spec: { clusterIP, clusterIPs: [clusterIP], type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
});
const slice = (service: string, ip: string): V1EndpointSlice => ({
  metadata: { name: `${service}-1`, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: [{ addresses: [ip], conditions: { ready: true } }],
});

describe('ZoneSync trigger times', () => {
  it('writes the earliest source time of the changes pending for a key; a key the resync finds changed carries the time it was seen', async () => {
    const state = new InformerState();
    const sync = await ZoneSync.open({ nc, state, logger: pino({ level: 'silent' }), identity: 'watcher-0', zoneOptions: defaultZoneOptions() });
    const store = await ZoneStore.open(nc);
    await store.whenSynced;
    const updates = new Map<string, ZoneUpdate[]>();
    store.subscribe((key, _rs, update) => updates.set(key, [...(updates.get(key) ?? []), update]));
    const seen = (key: string) => updates.get(key) ?? [];

    // Two changes to web before the lead is taken: one record set, with the earlier change's time.
    const early = Date.parse('2026-12-04T11:00:00Z');
    for (const key of state.onService('add', service('web', '10.96.0.10'))) sync.touch(key, early + 5_000);
    for (const key of state.onEndpointSlice('add', slice('web', '10.244.0.5'))) sync.touch(key, early);
    // api is only in the informers' copy (as after a restart): the resync writes it, from when it saw it.
    state.onService('add', service('api', '10.96.0.11'));
    const leadAt = Date.now();
    sync.lead();
    await waitFor(() => seen('svc.shop.web').length === 1 && seen('svc.shop.api').length === 1);
    await sync.idle();
    expect(seen('svc.shop.web')[0]?.sourceTime).toBe(early);
    expect(seen('svc.shop.api')[0]?.sourceTime).toBeGreaterThanOrEqual(leadAt);

    // A change that leaves the record set as it is writes nothing, and its time is not kept for the next.
    for (const key of state.onService('update', service('web', '10.96.0.10'))) sync.touch(key, early - 60_000);
    await sync.idle();
    for (const key of state.onEndpointSlice('update', slice('web', '10.244.0.6'))) sync.touch(key, early + 9_000);
    await waitFor(() => seen('svc.shop.web').length === 2);
    expect(seen('svc.shop.web')[1]?.sourceTime).toBe(early + 9_000);

    await sync.close();
    await store.close();
  });
});

describe('ZoneSync keys', () => {
  it("writes a Pod whose name holds dots under its whole name (the key's namespace ends at its first dot)", async () => {
    const state = new InformerState();
    const sync = await ZoneSync.open({ nc, state, logger: pino({ level: 'silent' }), identity: 'watcher-1', zoneOptions: defaultZoneOptions() });
    const store = await ZoneStore.open(nc);
    await store.whenSynced;
    for (const key of state.onPod('add', { metadata: { name: 'web.v1', namespace: 'shop' }, status: { phase: 'Running', podIP: '10.244.0.9' } }))
      sync.touch(key, Date.now());
    sync.lead();
    await waitFor(() => store.get('pod.shop.web.v1'));
    await sync.idle();
    expect(store.get('pod.shop.web.v1')).toEqual({ kind: 'Pod', namespace: 'shop', name: 'web.v1', ips: ['10.244.0.9'] });
    await sync.close();
    await store.close();
  });
});
