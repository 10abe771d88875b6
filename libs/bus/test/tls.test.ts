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

let server: NatsServer;

beforeAll(async () => {
  makeCa('halo-ca');
  makeCa('other-ca');
  // nats.js checks a loopback server under the name localhost.
  writeFileSync(path('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=nats', '-keyout', path('server.key'), '-out', path('server.csr'));
  openssl('x509', '-req', '-in', path('server.csr'), '-CA', path('halo-ca.pem'), '-CAkey', path('halo-ca.key'), '-CAcreateserial', '-days', '1', '-extfile', path('san.cnf'), '-out', path('server.pem'));
  server = await startNatsServer({
    tls: { certFile: path('server.pem'), keyFile: path('server.key') },
    authorization: renderAuthorization([{ user: 'watcher', password: 'pw', permissions: busPermissions.watcher }]),
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe('TLS with --nats-ca', () => {
  it('connects when the server is signed by the CA given, at tls:// as at nats://', async () => {
    for (const url of [server.url, server.url.replace('nats://', 'tls://')]) {
      const nc = await connectBus({ servers: url, name: 'tls-test', user: 'watcher', password: 'pw', ca: readFileSync(path('halo-ca.pem'), 'utf8') });
      expect(nc.info?.tls_required).toBe(true);
      await nc.close();
    }
  });

  it('refuses a server its CA did not sign', async () => {
    await expect(connect({ servers: server.url, user: 'watcher', pass: 'pw', tls: { ca: readFileSync(path('other-ca.pem'), 'utf8') }, reconnect: false })).rejects.toThrow();
  });
});
