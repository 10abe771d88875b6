// --nats-ca: a client verifies the server's certificate against the CA it is given, and refuses one it
// cannot verify. Certificates made with openssl for 127.0.0.1, as a cluster's would be for its Service.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { startNatsServer, type NatsServer } from '@halo/testing';
import { busPermissions, connectBus, renderAuthorization } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'halo-bus-tls-'));
const path = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', path(`${name}.key`), '-out', path(`${name}.pem`));
}

// A server certificate for one name, signed by halo-ca: how a cluster's NATS is reached (by the
// Service's address, its certificate naming the Service).
function makeServerCert(name: string, san: string): void {
  writeFileSync(path(`${name}.cnf`), `subjectAltName=${san}\n`);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`));
  openssl(
    'x509',
    '-req',
    '-in',
    path(`${name}.csr`),
    '-CA',
    path('halo-ca.pem'),
    '-CAkey',
    path('halo-ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    path(`${name}.cnf`),
    '-out',
    path(`${name}.pem`),
  );
}

let server: NatsServer;
let named: NatsServer;

beforeAll(async () => {
  makeCa('halo-ca');
  makeCa('other-ca');
  // nats.js checks a loopback server under the name localhost.
  makeServerCert('server', 'IP:127.0.0.1,DNS:localhost');
  makeServerCert('service', 'DNS:halo-nats.kube-system.svc');
  const authorization = renderAuthorization([{ user: 'watcher', password: 'pw', permissions: busPermissions.watcher }]);
  server = await startNatsServer({ tls: { certFile: path('server.pem'), keyFile: path('server.key') }, authorization });
  named = await startNatsServer({ tls: { certFile: path('service.pem'), keyFile: path('service.key') }, authorization });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await named?.stop();
});

describe('TLS with --nats-ca', () => {
  it('connects when the server is signed by the CA given, at tls:// as at nats://', async () => {
    for (const url of [server.url, server.url.replace('nats://', 'tls://')]) {
      const nc = await connectBus({ servers: url, name: 'tls-test', user: 'watcher', password: 'pw', ca: readFileSync(path('halo-ca.pem'), 'utf8') });
      expect(nc.info?.tls_required).toBe(true);
      await nc.close();
    }
  });

  it('checks a server dialled by address against --nats-tls-name', async () => {
    const ca = readFileSync(path('halo-ca.pem'), 'utf8');
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
      connect({ servers: server.url, user: 'watcher', pass: 'pw', tls: { ca: readFileSync(path('other-ca.pem'), 'utf8') }, reconnect: false }),
    ).rejects.toThrow();
  });
});
