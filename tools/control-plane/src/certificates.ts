// The control plane's secrets, made fresh for each start: a CA (openssl), the API server's serving
// certificate for 127.0.0.1 signed by it, and the key pair that signs ServiceAccount tokens.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificates {
  caFile: string;
  /** The CA certificate, PEM: what a client trusts. */
  caPem: string;
  certFile: string;
  keyFile: string;
  serviceAccountKeyFile: string;
  serviceAccountPublicKeyFile: string;
}

/** The names the serving certificate is valid for: loopback, and the `kubernetes` Service as in a cluster. */
export const servingNames = ['IP:127.0.0.1', 'DNS:localhost', 'IP:10.96.0.1', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc'];

export async function makeCertificates(dir: string): Promise<Certificates> {
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '7',
    '-subj',
    '/CN=halo-control-plane-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', ['req', ...ec, '-keyout', file('apiserver.key'), '-out', file('apiserver.csr'), '-subj', '/CN=kube-apiserver']);
  await writeFile(file('apiserver.ext'), `subjectAltName=${servingNames.join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    file('apiserver.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('apiserver.crt'),
    '-days',
    '7',
    '-extfile',
    file('apiserver.ext'),
  ]);
  // kube-apiserver reads PKCS#8 and PKIX PEM; no need for openssl here.
  const sa = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await writeFile(file('sa.key'), sa.privateKey, { mode: 0o600 });
  await writeFile(file('sa.pub'), sa.publicKey);
  return {
    caFile: file('ca.crt'),
    caPem: await readFile(file('ca.crt'), 'utf8'),
    certFile: file('apiserver.crt'),
    keyFile: file('apiserver.key'),
    serviceAccountKeyFile: file('sa.key'),
    serviceAccountPublicKeyFile: file('sa.pub'),
  };
}
