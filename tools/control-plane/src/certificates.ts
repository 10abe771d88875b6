// The control plane's secrets, made fresh for each start: a CA (openssl, through @halo/testing), the API server's serving
// certificate for 127.0.0.1 signed by it, and the key pair that signs ServiceAccount tokens.
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCa, makeServingCertificate } from '@halo/testing';

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
  const ca = await makeCa(dir, 'halo-control-plane-ca');
  const serving = await makeServingCertificate(dir, ca, 'kube-apiserver', servingNames);
  // kube-apiserver reads PKCS#8 and PKIX PEM; no need for openssl here.
  const sa = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await writeFile(file('sa.key'), sa.privateKey, { mode: 0o600 });
  await writeFile(file('sa.pub'), sa.publicKey);
  return {
    caFile: ca.cert,
    caPem: await readFile(ca.cert, 'utf8'),
    certFile: serving.cert,
    keyFile: serving.key,
    serviceAccountKeyFile: file('sa.key'),
    serviceAccountPublicKeyFile: file('sa.pub'),
  };
}
