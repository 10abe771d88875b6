import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { startNatsCluster, startNatsServer, waitFor } from '../src/index.ts';
import type { NatsServer } from '../src/index.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startNatsServer', () => {
  let server: NatsServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('starts with JetStream and serves KV', async () => {
    server = await startNatsServer();
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const nc = await connect({ servers: server.url });
    const kv = await new Kvm(nc).create('testing-kv');
    await kv.put('a', 'one');
    expect((await kv.get('a'))?.string()).toBe('one');
    await nc.close();
  });

  it('restarts on the same port with the same store', async () => {
    const s = server as NatsServer;
    const oldPid = s.pid;
    await s.kill();
    expect(isAlive(oldPid)).toBe(false);
    await s.restart();
    expect(s.pid).not.toBe(oldPid);
    const nc = await connect({ servers: s.url });
    const kv = await new Kvm(nc).open('testing-kv');
    expect((await kv.get('a'))?.string()).toBe('one');
    await nc.close();
  });

  it('stop ends the process', async () => {
    const s = server as NatsServer;
    const pid = s.pid;
    await s.stop();
    expect(isAlive(pid)).toBe(false);
    server = undefined;
  });

  it('without JetStream the server has no JetStream', async () => {
    const plain = await startNatsServer({ jetstream: false });
    try {
      const nc = await connect({ servers: plain.url });
      await expect(jetstreamManager(nc)).rejects.toThrow();
      await nc.close();
    } finally {
      await plain.stop();
    }
  });

  it('a client reconnects after a restart', async () => {
    const s = await startNatsServer({ jetstream: false });
    try {
      const nc = await connect({ servers: s.url, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
      await s.restart();
      await waitFor(async () => {
        await nc.flush();
        return true;
      });
      expect(nc.isClosed()).toBe(false);
      await nc.close();
    } finally {
      await s.stop();
    }
  });
});

describe('startNatsCluster', () => {
  it('routes three servers with their own names into one JetStream cluster that takes a replicated bucket', async () => {
    const cluster = await startNatsCluster({ size: 3 });
    try {
      const names = cluster.servers.map((s) => s.name);
      expect(new Set(names).size).toBe(3);
      for (const server of cluster.servers) {
        const routez = (await (await fetch(`http://127.0.0.1:${server.monitorPort}/routez`)).json()) as { num_routes: number };
        expect(routez.num_routes).toBe(2);
      }
      const nc = await connect({ servers: cluster.urls });
      const kv = await new Kvm(nc).create('testing-replicated', { replicas: 3 });
      await kv.put('a', 'one');
      expect((await kv.status()).streamInfo.config.num_replicas).toBe(3);
      await nc.close();
    } finally {
      await cluster.stop();
    }
  });

  it('says at once that a port it was given is taken', async () => {
    const first = await startNatsServer({ jetstream: false });
    try {
      await expect(startNatsServer({ jetstream: false, port: first.port })).rejects.toMatchObject({ code: 'nats-server-port-taken' });
    } finally {
      await first.stop();
    }
  });

  it('refuses a client without credentials when started with users', async () => {
    const s = await startNatsServer({ jetstream: false, authorization: 'authorization { users: [ { user: "a", password: "b" } ] }' });
    try {
      await expect(connect({ servers: s.url, reconnect: false })).rejects.toThrow(/Authorization Violation/i);
      const nc = await connect({ servers: s.url, user: 'a', pass: 'b', reconnect: false });
      await nc.close();
    } finally {
      await s.stop();
    }
  });
});
