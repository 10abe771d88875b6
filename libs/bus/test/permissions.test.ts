// Each component's user against a real nats-server that runs the permission table: what the component
// does is allowed (the server logs no violation), what it must not do is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { startNatsServer, waitFor, type NatsServer } from '@halo/testing';
import type { RecordSet } from '@halo/zone';
import {
  buckets,
  busPermissions,
  busUsers,
  ConfigFollower,
  connectBus,
  encodeZoneEntry,
  ensureBucket,
  FragmentStore,
  inboxPrefixOf,
  listInstanceStatus,
  openBucket,
  renderAuthorization,
  subjects,
  subscribeZoneChanges,
  ZoneStore,
  ZoneWriter,
  type BucketName,
  type BusUser,
  type ZoneChangedV1,
} from '../src/index.ts';

const web = (ip: string): RecordSet => ({
  kind: 'Service',
  namespace: 'shop',
  name: 'web',
  type: 'ClusterIP',
  clusterIPs: [ip],
  ports: [],
  publishNotReadyAddresses: false,
  labels: {},
  endpoints: [],
});

const password = (user: BusUser) => `secret-of-${user}`;
let server: NatsServer;
const conns = {} as Record<BusUser, NatsConnection>;
/** What the server refused each connection (nats.js reports it as an async error of the connection). */
const refusedTo: Record<string, string[]> = {};
const violations = () => Object.entries(refusedTo).flatMap(([user, errors]) => errors.map((e) => `${user}: ${e}`));

function watchRefusals(user: BusUser, nc: NatsConnection): void {
  const errors: string[] = [];
  refusedTo[user] = errors;
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error.message));
  })();
}

beforeAll(async () => {
  server = await startNatsServer({
    authorization: renderAuthorization(busUsers.map((user) => ({ user, password: password(user), permissions: busPermissions[user] }))),
  });
  for (const user of busUsers) {
    conns[user] = await connectBus({ servers: server.url, name: `test-${user}`, user, password: password(user) });
    watchRefusals(user, conns[user]);
  }
});
afterAll(async () => {
  for (const nc of Object.values(conns)) await nc.close();
  await server?.stop();
});

/** The write of `op`, with the server's refusal (or a timeout: no reply to a refused publish) as the error. */
async function refused(op: () => Promise<unknown>): Promise<string> {
  try {
    await op();
  } catch (err) {
    return String((err as Error).message);
  }
  return 'allowed';
}

describe('every component does its work under its own user', () => {
  it('watcher, config, answerer and node cache: the whole path of a change, with no violation logged', async () => {
    // The owners first: the watcher makes halo-zone, the config service halo-config and halo-status.
    const writer = await ZoneWriter.open(conns.watcher);
    const watcherCopy = await ZoneStore.open(conns.watcher, { create: { replicas: 1 }, swapWhen: 'synced', traceChanges: false });
    const fragments = await FragmentStore.open(conns.config);
    await ensureBucket(conns.config, buckets.status);
    const written = await fragments.write(
      { name: 'extra', text: '', targets: ['answerer', 'node-cache'], source: { kind: 'api' }, author: 'test', change: 'put', deleted: false },
      0,
    );
    expect(written.ok).toBe(true);
    await fragments.publishEffective('answerer', () => '# answerer');
    await fragments.publishEffective('node-cache', () => '# node-cache');

    const revision = await writer.put('svc.shop.web', web('10.96.0.10'), ['web.shop.svc.cluster.local.']);
    await writer.markComplete({ revision, keys: 1, writer: 'watcher-0' });

    const answerer = await ZoneStore.open(conns.answerer);
    await answerer.whenComplete;
    expect(answerer.get('svc.shop.web')).toMatchObject({ clusterIPs: ['10.96.0.10'] });
    expect((await ConfigFollower.read(conns.answerer, 'answerer'))?.corefile).toBe('# answerer');
    const applied: string[] = [];
    const answererFollower = await ConfigFollower.open(conns.answerer, {
      target: 'answerer',
      instance: 'answerer-0',
      running: null,
      apply: async (config) => (applied.push(`answerer ${config.corefile}`), { ok: true }),
    });

    const changes: ZoneChangedV1[] = [];
    const unsubscribe = subscribeZoneChanges(conns['node-cache'], { onChange: (change) => changes.push(change) });
    await conns['node-cache'].flush();
    const cacheFollower = await ConfigFollower.open(conns['node-cache'], {
      target: 'node-cache',
      instance: 'node-a',
      running: null,
      apply: async (config) => (applied.push(`node-cache ${config.corefile}`), { ok: true }),
    });

    const second = await writer.put('svc.shop.web', web('10.96.0.11'), ['web.shop.svc.cluster.local.']);
    await writer.delete('svc.shop.gone', []);
    await waitFor(() => changes.some((c) => c.revision === second), { message: 'the node cache never heard the change' });
    expect(await answerer.reached(second, 5_000)).toBe(true);
    expect(await writer.keys()).toContain('svc.shop.web');
    await waitFor(() => applied.length === 2, { message: 'a follower applied nothing' });
    expect(applied.sort()).toEqual(['answerer # answerer', 'node-cache # node-cache']);
    await waitFor(async () => (await listInstanceStatus(conns.config)).length === 2, { message: 'the config service never saw both statuses' });
    expect(watcherCopy.get('svc.shop.web')).toMatchObject({ clusterIPs: ['10.96.0.11'] });

    unsubscribe();
    await answererFollower.close();
    await cacheFollower.close();
    await answerer.close();
    await watcherCopy.close();
    expect(violations()).toEqual([]);
  });
});

describe('refusals', () => {
  it('a client without credentials, or with a wrong password, is refused', async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(/Authorization Violation/i);
    await expect(connect({ servers: server.url, user: 'node-cache', pass: 'guess', reconnect: false })).rejects.toThrow(/Authorization Violation/i);
  });

  it.each<[BusUser, BucketName, string]>([
    ['node-cache', buckets.zone, 'svc.shop.web'],
    ['node-cache', buckets.config, 'effective.node-cache'],
    ['answerer', buckets.config, 'effective.answerer'],
    ['answerer', buckets.zone, 'svc.shop.web'],
    ['answerer', buckets.status, 'node-cache.node-a'],
    ['node-cache', buckets.status, 'answerer.answerer-0'],
    ['config', buckets.zone, 'svc.shop.web'],
    ['watcher', buckets.config, 'effective.answerer'],
  ])('%s cannot put into %s (key %s)', async (user, bucket, key) => {
    const kv = await new Kvm(conns[user]).open(bucket);
    const outcome = await refused(() => kv.put(key, 'spoofed'));
    expect(outcome).toMatch(/permission|timeout/i);
    // The bucket holds no such write.
    const owner = bucket === buckets.zone ? conns.watcher : conns.config;
    const entry = await (await openBucket(owner, bucket))?.get(key);
    expect(entry?.string()).not.toBe('spoofed');
  });

  it.each<[BusUser, string]>([
    ['answerer', 'halo-zone'],
    ['node-cache', 'halo-config'],
  ])('%s cannot create or delete the stream of %s', async (user, bucket) => {
    const outcome = await refused(() => new Kvm(conns[user]).create(`${bucket}-copy`));
    expect(outcome).toMatch(/permission|timeout/i);
  });

  it('a component cannot read the replies of another (its inbox prefix is its own)', async () => {
    const nc = conns['node-cache'];
    const errors: string[] = [];
    nc.subscribe(`${inboxPrefixOf('watcher')}.>`, {
      callback: (err) => {
        if (err) errors.push(err.message);
      },
    });
    await nc.flush().catch(() => undefined);
    await waitFor(() => errors.length > 0, { message: 'the subscription to another inbox was not refused' });
    expect(errors[0]).toMatch(/Permissions Violation for Subscription to "_INBOX_watcher\.>"/);
  });

  it('the node cache cannot publish zone changes; only the watcher can', async () => {
    const heard: ZoneChangedV1[] = [];
    const unsubscribe = subscribeZoneChanges(conns['node-cache'], { onChange: (change) => heard.push(change) });
    await conns['node-cache'].flush();
    conns.answerer.publish(subjects.zoneChanged, JSON.stringify({ schema: 1, key: 'svc.x.y', names: ['y.x.svc.cluster.local.'], revision: 1 }));
    await conns.answerer.flush().catch(() => undefined);
    await waitFor(() => (refusedTo.answerer ?? []).some((e) => e.includes(`Publish to "${subjects.zoneChanged}"`)), { message: 'the publish was not refused' });
    expect(heard).toEqual([]);
    unsubscribe();
  });
});

describe('an invalid entry written with valid credentials', () => {
  it('is skipped and counted, and the name keeps its last good record set', async () => {
    const writer = await ZoneWriter.open(conns.watcher);
    const revision = await writer.put('svc.shop.api', web('10.96.0.20'), []);
    await writer.markComplete({ revision, keys: 2, writer: 'watcher-0' });
    const invalid: string[] = [];
    const store = await ZoneStore.open(conns.answerer, { onInvalid: (key) => invalid.push(key) });
    await store.whenComplete;
    // By hand, as a compromised or buggy writer would: valid JSON, not a record set.
    const raw = await new Kvm(conns.watcher).open(buckets.zone);
    const bad = await raw.put('svc.shop.api', JSON.stringify({ schema: 1, recordSet: { kind: 'Service', clusterIPs: 'not a list' } }));
    expect(await store.reached(bad, 5_000)).toBe(true);
    expect(invalid).toEqual(['svc.shop.api']);
    expect(store.invalidKeys().has('svc.shop.api')).toBe(true);
    expect(store.get('svc.shop.api')).toMatchObject({ clusterIPs: ['10.96.0.20'] });
    // A good write afterwards is taken again.
    const good = await raw.put('svc.shop.api', encodeZoneEntry(web('10.96.0.21')));
    expect(await store.reached(good, 5_000)).toBe(true);
    expect(store.get('svc.shop.api')).toMatchObject({ clusterIPs: ['10.96.0.21'] });
    await store.close();
  });
});
