// The bus side of the node cache against a real server (the generated Corefile), a real upstream and a
// real nats-server: a change drops the names (negative entries too); bus down → cluster-zone TTLs
// capped; bus back → the cluster zones dropped; caps reach the caches a reload makes.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dnsPacket, { type Answer } from 'dns-packet';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { loadServer, type DnsServer } from '@halo/server';
import { encodeZoneChanged, subjects } from '@halo/bus';
import { RevisionFloor } from '@halo/cache';
import { query, startNatsServer, waitFor, type NatsServer } from '@halo/testing';
import { cacheControl, type CacheControl } from './cache-control.ts';
import { clusterZones, generateCorefile } from './corefile.ts';
import { startBusInvalidation, type BusInvalidation } from './invalidation.ts';

const SOA: Answer = {
  name: 'cluster.local',
  type: 'SOA',
  ttl: 30,
  data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
};

/** The answerer pool stand-in: A questions get `10.0.0.<generation>`, names starting with `gone.` NXDOMAIN. */
let generation = 1;
const asked: string[] = [];
let upstream: dgram.Socket;
let server: DnsServer;
let control: CacheControl;
let nats: NatsServer;
let bus: BusInvalidation;
let publisher: NatsConnection;
const floor = new RevisionFloor({ zones: clusterZones('cluster.local') });
const port = () => server.addresses()[0].port;

const BUS_DOWN_TTL = 2;

beforeAll(async () => {
  upstream = dgram.createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions?.[0];
    if (!question) return;
    asked.push(`${question.name} ${question.type}`);
    const gone = question.name.toLowerCase().startsWith('gone.');
    const answers: Answer[] = !gone && question.type === 'A' ? [{ name: question.name, type: 'A', ttl: 30, data: `10.0.0.${generation}` }] : [];
    const flags = dnsPacket.AUTHORITATIVE_ANSWER | (gone ? 3 : 0);
    upstream.send(
      dnsPacket.encode({ type: 'response', id: q.id, flags, questions: q.questions, answers, authorities: answers.length ? [] : [SOA] }),
      rinfo.port,
      rinfo.address,
    );
  });
  await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
  const corefile = generateCorefile({
    zone: 'cluster.local',
    answerers: [{ host: '127.0.0.1', port: upstream.address().port }],
    tryTimeoutMs: 50,
    forceTcp: false,
    upstreams: [{ host: '127.0.0.1', port: 9 }],
    resolvConf: '/etc/resolv.conf',
    port: 53,
  });
  const loaded = await loadServer(corefile, { context: {}, listen: [{ host: '127.0.0.1', port: 0 }] });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  server = loaded.server;
  control = cacheControl(server);
  nats = await startNatsServer({ jetstream: false });
  publisher = await connect({ servers: nats.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
}, 30_000);

afterAll(async () => {
  await bus?.close();
  await publisher?.close();
  await nats?.stop();
  await server?.close();
  upstream?.close();
});

const web = 'web.shop.svc.cluster.local';
const gone = 'gone.shop.svc.cluster.local';
const aOf = async (name: string) => {
  const r = await query({ host: '127.0.0.1', port: port() }, name, 'A');
  return {
    rcode: r.rcode,
    data: (r.answers ?? []).flatMap((a) => (a.type === 'A' ? [String(a.data)] : [])),
    ttl: Math.max(0, ...(r.answers ?? []).map((a) => (a.type === 'OPT' ? 0 : (a.ttl ?? 0)))),
  };
};
const upstreamQueries = (name: string) => asked.filter((a) => a === `${name} A`).length;

describe('cache control over the server API', () => {
  it('before the bus connects, cluster-zone answers are capped; then the zone is dropped', async () => {
    bus = startBusInvalidation({
      servers: [nats.url],
      name: 'cache-control-test',
      zones: clusterZones('cluster.local'),
      busDownTtl: BUS_DOWN_TTL,
      control,
      floor,
    });
    // startBusInvalidation caps at once ("starting"); the first connect may already have happened, so
    // ask only after it and check the drop instead.
    await bus.firstConnect;
    expect(control.size()).toBe(2);
    const first = await aOf(web);
    expect(first).toMatchObject({ rcode: 'NOERROR', data: ['10.0.0.1'] });
    // Uncapped once the bus is up.
    await waitFor(async () => (await aOf(web)).ttl > BUS_DOWN_TTL, { timeoutMs: 3_000, message: 'the cap was never lifted after the bus came up' });
  });

  it('a zone change drops the names it touched, the negative ones too', async () => {
    expect((await aOf(gone)).rcode).toBe('NXDOMAIN');
    expect((await aOf(gone)).rcode).toBe('NXDOMAIN');
    expect(upstreamQueries(gone)).toBe(1);
    generation = 2;
    expect((await aOf(web)).data).toEqual(['10.0.0.1']);
    publisher.publish(subjects.zoneChanged, encodeZoneChanged({ key: 'svc.shop.web', names: [web, gone], revision: 7 }));
    await waitFor(async () => JSON.stringify((await aOf(web)).data) === '["10.0.0.2"]', { timeoutMs: 3_000, message: 'the change never dropped the name' });
    // The change raised the floor of the names it touched, and only theirs.
    expect([floor.of(web), floor.of(gone), floor.of('other.shop.svc.cluster.local'), floor.of('example.com')]).toEqual([7, 7, 0, null]);
    await aOf(gone);
    expect(upstreamQueries(gone)).toBe(2);
  });

  it("bus down: answers capped; a reload's new caches get the cap too; bus back: the cluster zones dropped", async () => {
    await aOf(web);
    await nats.kill();
    await waitFor(() => !bus.connected(), { timeoutMs: 5_000, message: 'the bus never counted as down' });
    expect((await aOf(web)).ttl).toBeLessThanOrEqual(BUS_DOWN_TTL);
    // A reload (pool change, fragments) makes new caches: after sync() they are capped as well.
    const before = server.caches();
    expect(
      await server.reload(
        `${generateCorefile({ zone: 'cluster.local', answerers: [{ host: '127.0.0.1', port: upstream.address().port }], tryTimeoutMs: 60, forceTcp: false, upstreams: [{ host: '127.0.0.1', port: 9 }], resolvConf: '/etc/resolv.conf', port: 53 })}`,
      ),
    ).toEqual({ ok: true });
    control.sync();
    expect(server.caches().some((c) => before.includes(c))).toBe(false);
    const refetched = await aOf(web);
    expect(refetched.ttl).toBeLessThanOrEqual(BUS_DOWN_TTL);
    expect((await aOf(web)).ttl).toBeLessThanOrEqual(BUS_DOWN_TTL);
    const beforeBack = upstreamQueries(web);
    await nats.restart();
    await waitFor(() => bus.connected(), { timeoutMs: 10_000, message: 'the bus never came back' });
    // The zone was dropped when the bus came back: the next answer comes from the pool again.
    await aOf(web);
    expect(upstreamQueries(web)).toBeGreaterThan(beforeBack);
  });
});
