// The bus as each overlay renders it, run by three real nats-servers with the environment the StatefulSet
// gives them (routes, server names, the users' passwords): they form one JetStream cluster; each
// component's user does its job on the bus and is refused the rest; production speaks only TLS.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ZoneStore } from '@halo/bus';
import { findNatsServer, freePort, makeCa, makeServingCertificate, spawnProcess, waitFor, type ChildHandle } from '@halo/testing';

const deploy = fileURLToPath(new URL('../', import.meta.url));

const natsServer = (() => {
  try {
    return findNatsServer();
  } catch (error) {
    console.warn(`the NATS bus tests are skipped: ${(error as Error).message}`);
    return null;
  }
})();
const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('the NATS bus tests are skipped: they render the overlays with kubectl kustomize');
    return false;
  }
})();

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}
interface Obj {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { template?: { spec: { containers: { name: string; args?: string[]; env?: EnvVar[] }[] } } };
}

/** The components' NATS users, as nats.conf names them and the apps' --nats-user flags say. */
const USERS = ['watcher', 'answerer', 'node-cache', 'config'] as const;
type User = (typeof USERS)[number];

/** A password as deploy/README.md makes them: a letter, then hex (nats.conf reads `$VAR` as a value, and digits alone would be a number). */
const makePassword = () => `h${randomBytes(24).toString('hex')}`;

/** A CA and a serving certificate for one DNS name, as cert-manager names them (ca.crt, tls.crt, tls.key): tls.conf reads those. */
async function makeCertificates(dir: string, name: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = await makeCa(dir, 'ca', 1);
  const serving = await makeServingCertificate(dir, ca, 'tls', [`DNS:${name}`], 1);
  return { ca: ca.cert, cert: serving.cert, key: serving.key };
}

interface Bus {
  url: string;
  passwords: Record<User, string>;
  /** The watcher's --bus-replicas in the overlay (1 without it). */
  replicas: number;
  /** A connection as one of the users, with its own inbox prefix (`_INBOX_node_cache`), as the apps connect. */
  as(user: User, options?: { pass?: string; servers?: string[] }): Promise<NatsConnection>;
  /** Every server's client URL (in a cluster the Service `halo-nats` stands for all three). */
  urls: string[];
  /** SIGKILLs the server of that name (`halo-nats-N`). */
  kill(serverName: string): Promise<void>;
  /** How many servers the JetStream meta group has, as the first server sees it. */
  clusterSize(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/**
 * Three nats-servers from the overlay's rendered ConfigMap and StatefulSet: only the listening ports, the
 * store and the certificate paths move; users, permissions, routes and TLS are the overlay's.
 */
async function startBus(overlay: 'dev' | 'production'): Promise<Bus> {
  const objs = parseAllDocuments(execFileSync('kubectl', ['kustomize', join(deploy, 'overlays', overlay)], { encoding: 'utf8' })).map((d) => d.toJS() as Obj);
  const files = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('halo-nats-config'))?.data ?? {};
  const env = objs.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'halo-nats')?.spec?.template?.spec.containers[0]?.env ?? [];
  // dev brings its Secret; production's is the operator's, made here as deploy/README.md says.
  const secret = objs.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith('halo-nats-users'));
  const passwords = Object.fromEntries(USERS.map((u) => [u, secret ? Buffer.from(secret.data?.[u] ?? '', 'base64').toString() : makePassword()])) as Record<
    User,
    string
  >;
  const dir = mkdtempSync(join(tmpdir(), `halo-nats-${overlay}-`));
  // The name the apps check the servers' certificate for (--nats-tls-name), the only name the test's has.
  const tlsName = objs
    .flatMap((o) => o.spec?.template?.spec.containers ?? [])
    .flatMap((c) => c.args ?? [])
    .find((a) => a.startsWith('--nats-tls-name='))
    ?.split('=')[1];
  const tls = /^tls \{/m.test(files['tls.conf'] ?? '') ? await makeCertificates(dir, tlsName ?? 'none') : null;
  const ports = await Promise.all([0, 1, 2].map(async () => ({ client: await freePort(), http: await freePort(), cluster: await freePort() })));
  const servers: ChildHandle[] = [];
  for (const [i, p] of ports.entries()) {
    const own = join(dir, `halo-nats-${i}`);
    mkdirSync(own);
    writeFileSync(join(own, 'tls.conf'), (files['tls.conf'] ?? '').replaceAll('/etc/nats-tls/', `${dir}/`));
    writeFileSync(
      join(own, 'nats.conf'),
      (files['nats.conf'] ?? '')
        .replace(/^port: 4222$/m, `port: ${p.client}\nhost: 127.0.0.1`)
        .replace(/^http_port: 8222$/m, `http: 127.0.0.1:${p.http}`)
        .replace(/^ {2}port: 6222$/m, `  host: 127.0.0.1\n  port: ${p.cluster}`)
        .replace('store_dir: /data', `store_dir: ${join(own, 'data')}`),
    );
    // The StatefulSet's variables, with what Kubernetes would fill in: the pod name, the route Services'
    // addresses, the Secret's keys.
    const vars: Record<string, string> = {};
    for (const e of env) {
      const key = e.valueFrom?.secretKeyRef?.key;
      if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') vars[e.name] = `halo-nats-${i}`;
      else if (key) vars[e.name] = passwords[key as User];
      else if (e.value)
        vars[e.name] = e.value.replace(/\$\(HALO_NATS_ROUTE_(\d)_SERVICE_HOST\):6222/, (_all, n: string) => `127.0.0.1:${ports[Number(n)]?.cluster}`);
    }
    servers.push(
      await spawnProcess(natsServer as string, ['-c', join(own, 'nats.conf')], {
        env: { ...process.env, ...vars },
        readyLine: /Server is ready/,
        timeoutMs: 30_000,
      }),
    );
  }
  const jsz = async (i: number) =>
    (await fetch(`http://127.0.0.1:${ports[i]?.http}/jsz`)
      .then((r) => r.json())
      .catch(() => null)) as { meta_cluster?: { leader?: string; cluster_size?: number } } | null;
  await waitFor(
    async () => {
      const meta = (await jsz(1))?.meta_cluster;
      return meta?.leader !== undefined && meta.cluster_size === 3;
    },
    { timeoutMs: 30_000, message: `the three ${overlay} servers never elected a JetStream leader` },
  );
  const urls = ports.map((p) => `${tls ? 'tls' : 'nats'}://127.0.0.1:${p.client}`);
  const url = urls[0] as string;
  const watcherArgs = objs.flatMap((o) => o.spec?.template?.spec.containers ?? []).find((c) => c.args?.[0] === 'watcher')?.args ?? [];
  const replicas = Number(watcherArgs.find((a) => a.startsWith('--bus-replicas='))?.split('=')[1] ?? 1);
  // As the apps do with --nats-ca and --nats-tls-name: nats.js hands its tls options to Node's tls.connect,
  // servername included (its type omits it).
  const tlsOptions: (NonNullable<NodeConnectionOptions['tls']> & Pick<TlsConnectionOptions, 'servername'>) | undefined = tls
    ? { caFile: tls.ca, servername: tlsName }
    : undefined;
  const connections: NatsConnection[] = [];
  return {
    url,
    urls,
    passwords,
    replicas,
    async kill(serverName) {
      await servers[Number(serverName.replace('halo-nats-', ''))]?.kill('SIGKILL');
    },
    async as(user, options = {}) {
      const nc = await connect({
        servers: options.servers ?? url,
        user,
        pass: options.pass ?? passwords[user],
        inboxPrefix: `_INBOX_${user.replaceAll('-', '_')}`,
        timeout: 5_000,
        ...(tlsOptions ? { tls: tlsOptions } : {}),
      });
      connections.push(nc);
      return nc;
    },
    async clusterSize() {
      return (await jsz(0))?.meta_cluster?.cluster_size;
    },
    async stop() {
      for (const nc of connections) await nc.close().catch(() => undefined);
      for (const s of servers) await s.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the user cannot do must fail, within a bound: the server refuses it (or never answers it). */
async function refused(call: () => Promise<unknown>): Promise<void> {
  await expect(Promise.race([call(), new Promise((_resolve, reject) => setTimeout(() => reject(new Error('no answer')), 3_000))])).rejects.toThrow();
}
const text = (s: string) => new TextEncoder().encode(s);
const jsOf = (nc: NatsConnection) => jetstream(nc, { timeout: 2_000 });
/** Every key of a bucket, read as its owner. */
async function keysOf(kv: KV): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of await kv.keys()) keys.push(k);
  return keys.sort();
}
/** A bucket as a component that does not own it opens it: it waits for the owner's stream, then binds. */
async function openAsReader(nc: NatsConnection, bucket: string): Promise<KV> {
  const info = await (await jetstreamManager(nc)).streams.info(`KV_${bucket}`);
  return new Kvm(nc).open(bucket, { allow_direct: info.config.allow_direct });
}
/** The first entry a watch of the bucket delivers (a reader's view of it). */
async function firstWatched(kv: KV, key?: string): Promise<string> {
  const iterator = await kv.watch(key ? { key } : {});
  for await (const e of iterator) {
    iterator.stop();
    return `${e.key}=${e.string()}`;
  }
  return '';
}

describe.skipIf(natsServer === null || !kubectl)('the dev overlay bus, run', () => {
  let bus: Bus;
  const c = {} as Record<User, NatsConnection>;
  let zone: KV;
  let config: KV;
  let status: KV;
  beforeAll(async () => {
    bus = await startBus('dev');
    for (const u of USERS) c[u] = await bus.as(u);
  }, 90_000);
  afterAll(async () => bus?.stop());

  it('forms one JetStream cluster from the routes in the environment', async () => {
    expect(await bus.clusterSize()).toBe(3);
  });

  it('refuses a client without credentials, or with another user’s password', async () => {
    await expect(connect({ servers: bus.url, timeout: 5_000 })).rejects.toThrow(/authorization/i);
    await expect(bus.as('node-cache', { pass: bus.passwords.watcher })).rejects.toThrow(/authorization/i);
  });

  // Each component's job, in the order a cluster starts: the writers make their buckets, the readers open them.
  it('lets the watcher create and update halo-zone, write and delete record sets, and publish halo.zone.changed', async () => {
    zone = await new Kvm(c.watcher).create('halo-zone', { history: 1 });
    await zone.put('svc.default.web', text('{"v":1}'));
    await zone.put('svc.default.gone', text('{"v":1}'));
    await zone.delete('svc.default.gone');
    expect(await keysOf(zone)).toEqual(['svc.default.web']);
    expect(await firstWatched(zone)).toBe('svc.default.web={"v":1}');
    // A bucket that exists with other settings is updated in place (as --bus-replicas does).
    const jsm = await jetstreamManager(c.watcher);
    const info = await jsm.streams.info('KV_halo-zone');
    await jsm.streams.update('KV_halo-zone', { ...info.config, max_msg_size: 1 << 20 });
    const heard = new Promise<string>((resolve) => c['node-cache'].subscribe('halo.zone.changed', { max: 1, callback: (_err, msg) => resolve(msg.string()) }));
    await c['node-cache'].flush();
    c.watcher.publish('halo.zone.changed', text('{"key":"svc.default.web"}'));
    expect(await heard).toBe('{"key":"svc.default.web"}');
  });

  it('lets the config service create halo-config and halo-status, and write fragments and effective configs conditionally', async () => {
    status = await new Kvm(c.config).create('halo-status', { history: 1, ttl: 30_000 });
    config = await new Kvm(c.config).create('halo-config', { history: 64 });
    const revision = await config.create('fragment.extra', text('v1'));
    await config.update('fragment.extra', text('v2'), revision);
    await config.put('effective.answerer', text('corefile'));
    await config.put('effective.node-cache', text('corefile'));
    expect(await keysOf(config)).toEqual(['effective.answerer', 'effective.node-cache', 'fragment.extra']);
  });

  it('lets an answerer read halo-zone and halo-config, and write its own entry in halo-status', async () => {
    const z = await openAsReader(c.answerer, 'halo-zone');
    expect((await z.get('svc.default.web'))?.string()).toBe('{"v":1}');
    expect(await firstWatched(z)).toBe('svc.default.web={"v":1}');
    const cfg = await openAsReader(c.answerer, 'halo-config');
    expect((await cfg.get('effective.answerer'))?.string()).toBe('corefile');
    expect(await firstWatched(cfg, 'effective.answerer')).toBe('effective.answerer=corefile');
    const s = await openAsReader(c.answerer, 'halo-status');
    await s.put('answerer.halo-answerer-0', text('ok'));
    await s.put('answerer.halo-answerer-1', text('ok'));
    await s.delete('answerer.halo-answerer-1');
    // It writes its entries and never reads another's.
    await refused(() => s.get('node-cache.node-1'));
  });

  it('lets a node cache hear halo.zone.changed, read halo-config, and write its own entry in halo-status', async () => {
    const cfg = await openAsReader(c['node-cache'], 'halo-config');
    expect(await firstWatched(cfg, 'effective.node-cache')).toBe('effective.node-cache=corefile');
    const s = await openAsReader(c['node-cache'], 'halo-status');
    await s.put('node-cache.node-1', text('ok'));
  });

  it('lets the config service read halo-status', async () => {
    expect(await keysOf(status)).toEqual(['answerer.halo-answerer-0', 'node-cache.node-1']);
    expect((await status.get('node-cache.node-1'))?.string()).toBe('ok');
  });

  // What each user must not do: the server refuses it and nothing changes (read back by the owner).
  type Bucket = 'halo-zone' | 'halo-config' | 'halo-status';
  const writes: [User, Bucket, string][] = [
    ['node-cache', 'halo-zone', 'svc.default.web'],
    ['node-cache', 'halo-config', 'effective.answerer'],
    ['node-cache', 'halo-status', 'answerer.halo-answerer-0'],
    ['answerer', 'halo-config', 'effective.answerer'],
    ['answerer', 'halo-zone', 'svc.default.web'],
    ['answerer', 'halo-status', 'node-cache.node-1'],
    ['config', 'halo-zone', 'svc.default.web'],
    ['config', 'halo-status', 'answerer.halo-answerer-0'],
    ['watcher', 'halo-config', 'effective.answerer'],
  ];
  it.each(writes)('refuses %s a write into %s (key %s)', async (user, bucket, key) => {
    const owner = { 'halo-zone': zone, 'halo-config': config, 'halo-status': status }[bucket];
    const before = (await owner.get(key))?.revision;
    expect(before).toBeGreaterThan(0);
    await refused(() => jsOf(c[user]).publish(`$KV.${bucket}.${key}`, text('spoofed')));
    const after = await owner.get(key);
    expect(after?.revision).toBe(before);
    expect(after?.string()).not.toBe('spoofed');
  });

  it('refuses the readers any change to the buckets’ streams: no create, update, purge or delete', async () => {
    for (const user of ['answerer', 'node-cache'] as const) {
      const jsm = await jetstreamManager(c[user]);
      await refused(() => new Kvm(c[user]).create('halo-extra'));
      await refused(() => jsm.streams.update('KV_halo-status', { max_age: 0 }));
      await refused(() => jsm.streams.update('KV_halo-zone', { max_msgs_per_subject: 0 }));
      await refused(() => jsm.streams.purge('KV_halo-config'));
      await refused(() => jsm.streams.delete('KV_halo-zone'));
    }
    await refused(async () => (await jetstreamManager(c.config)).streams.delete('KV_halo-status'));
    expect(await keysOf(zone)).toEqual(['svc.default.web']);
    expect(await keysOf(config)).toEqual(['effective.answerer', 'effective.node-cache', 'fragment.extra']);
    expect((await status.status()).ttl).toBe(30_000);
  });

  it('refuses a spoofed halo.zone.changed, and a subscription to another user’s inbox or to the KV subjects', async () => {
    const heard: string[] = [];
    c['node-cache'].subscribe('halo.zone.changed', { callback: (_err, msg) => void heard.push(msg.string()) });
    await c['node-cache'].flush();
    for (const user of ['answerer', 'node-cache', 'config'] as const) c[user].publish('halo.zone.changed', text(`spoofed by ${user}`));
    await Promise.all(USERS.map((u) => c[u].flush()));
    c.watcher.publish('halo.zone.changed', text('real'));
    await waitFor(async () => heard.includes('real'), { timeoutMs: 5_000, message: "the watcher's change never arrived" });
    expect(heard).toEqual(['real']);
    for (const [user, subject] of [
      ['answerer', '_INBOX_watcher.>'],
      ['watcher', '_INBOX_node_cache.>'],
      ['node-cache', '$KV.halo-zone.>'],
      ['config', '>'],
    ] as const) {
      const sub = c[user].subscribe(subject);
      await expect(sub.closed, `${user} subscribing ${subject}`).resolves.toBeInstanceOf(Error);
    }
  });
});

describe.skipIf(natsServer === null || !kubectl)('the production overlay bus, run', () => {
  let bus: Bus;
  beforeAll(async () => {
    bus = await startBus('production');
  }, 90_000);
  afterAll(async () => bus?.stop());

  it('speaks only TLS on the client port, with a certificate the CA vouches for', async () => {
    expect(bus.url).toMatch(/^tls:\/\//);
    // The server's first words to any client: TLS required.
    const { hostname, port } = new URL(bus.url);
    const info = await new Promise<string>((resolve, reject) => {
      const socket = createConnection({ host: hostname, port: Number(port) }, () => undefined);
      socket.once('data', (data) => {
        resolve(data.toString());
        socket.destroy();
      });
      socket.once('error', reject);
    });
    expect(info).toMatch(/^INFO .*"tls_required":true/);
    const plain = bus.url.replace('tls://', 'nats://');
    // Without the CA the server's certificate is not trusted.
    await expect(connect({ servers: plain, user: 'watcher', pass: bus.passwords.watcher, timeout: 5_000 })).rejects.toThrow();
    await expect(bus.as('watcher')).resolves.toBeDefined();
  });

  it('keeps every bucket on three servers (--bus-replicas=3), each user doing its job over TLS', async () => {
    expect(bus.replicas).toBe(3);
    const zone = await new Kvm(await bus.as('watcher')).create('halo-zone', { history: 1, replicas: bus.replicas });
    expect((await zone.status()).streamInfo.config.num_replicas).toBe(3);
    await zone.put('svc.default.web', text('{"v":1}'));
    const z = await openAsReader(await bus.as('answerer'), 'halo-zone');
    expect((await z.get('svc.default.web'))?.string()).toBe('{"v":1}');
    await refused(async () => jsOf(await bus.as('node-cache')).publish('$KV.halo-zone.svc.default.web', text('spoofed')));
    expect((await zone.get('svc.default.web'))?.string()).toBe('{"v":1}');
  });

  it("keeps an answerer's copy of the zone going when its server is killed: its permissions cover the watch's recovery", async () => {
    const answerer = await bus.as('answerer', { servers: bus.urls });
    const watcher = await bus.as('watcher', { servers: bus.urls });
    const resumed: number[] = [];
    // The copy an answerer serves from, as the answerer opens it (its watch's consumer may live on any server).
    const store = await ZoneStore.open(answerer, { onWatchResumed: (revision) => resumed.push(revision) });
    await store.whenSynced;
    const zone = await new Kvm(watcher).open('halo-zone');
    const victim = answerer.info?.server_name ?? '';
    expect(victim).toMatch(/^halo-nats-\d$/);
    await bus.kill(victim);
    let written = Number.POSITIVE_INFINITY;
    await waitFor(
      async () => {
        if (written === Number.POSITIVE_INFINITY) written = await zone.put('svc.default.after', text('{"v":2}')).catch(() => written);
        return store.revision >= written;
      },
      { timeoutMs: 20_000, message: `the answerer's copy never caught up after ${victim} was killed` },
    );
    await store.close();
    expect(answerer.info?.server_name).not.toBe(victim);
    console.info(`the copy caught up after ${victim} was killed${resumed.length > 0 ? `, its watch resumed after revision ${resumed.join(', ')}` : ''}`);
  });
});
