// --nats-ca: a client verifies the server's certificate against the CA it is given, and refuses one it
// cannot verify. Certificates made with openssl for 127.0.0.1, as a cluster's would be for its Service.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { makeCa, makeServingCertificate, startNatsServer, type NatsServer } from '@halo/testing';
import { busPermissions, connectBus, renderAuthorization } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'halo-bus-tls-'));
const path = (name: string) => join(dir, name);
let server: NatsServer;
let named: NatsServer;

beforeAll(async () => {
  const ca = await makeCa(dir, 'halo-ca', 1);
  await makeCa(dir, 'other-ca', 1);
  // nats.js checks a loopback server under the name localhost; a cluster's NATS is reached by the
  // Service's address, its certificate naming the Service.
  await makeServingCertificate(dir, ca, 'server', ['IP:127.0.0.1', 'DNS:localhost'], 1);
  await makeServingCertificate(dir, ca, 'service', ['DNS:halo-nats.kube-system.svc'], 1);
  const authorization = renderAuthorization([{ user: 'watcher', password: 'pw', permissions: busPermissions.watcher }]);
  server = await startNatsServer({ tls: { certFile: path('server.crt'), keyFile: path('server.key') }, authorization });
  named = await startNatsServer({ tls: { certFile: path('service.crt'), keyFile: path('service.key') }, authorization });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await named?.stop();
});

describe('TLS with --nats-ca', () => {
  it('connects when the server is signed by the CA given, at tls:// as at nats://', async () => {
    for (const url of [server.url, server.url.replace('nats://', 'tls://')]) {
      const nc = await connectBus({ servers: url, name: 'tls-test', user: 'watcher', password: 'pw', ca: readFileSync(path('halo-ca.crt'), 'utf8') });
      expect(nc.info?.tls_required).toBe(true);
      await nc.close();
    }
  });

  it('checks a server dialled by address against --nats-tls-name', async () => {
    const ca = readFileSync(path('halo-ca.crt'), 'utf8');
    const nc = await connectBus({ servers: named.url, name: 'tls-test', user: 'watcher', password: 'pw', ca, tlsName: 'halo-nats.kube-system.svc' });
    expect(nc.info?.tls_required).toBe(true);
    await nc.close();
    // Without the name, the address is checked as localhost, which the certificate does not carry.
    await expect(connect({ servers: named.url, user: 'watcher', pass: 'pw', tls: { ca }, reconnect: false })).rejects.toThrow();
    await expect(
      connect({ servers: named.url, user: 'watcher', pass: 'pw', tls: { ca, servername: 'other.kube-system.svc' } as { ca: string }, reconnect: false }),
    ).rejects.toThrow();
  });

  it('refuses a server its CA did not sign', async () => {
    await expect(
      connect({ servers: server.url, user: 'watcher', pass: 'pw', tls: { ca: readFileSync(path('other-ca.crt'), 'utf8') }, reconnect: false }),
    ).rejects.toThrow();
  });
});
