// Certificates for tests, made with openssl: a CA, and serving certificates it signs for the names a
// server is reached by (the API server of tools/control-plane, NATS with TLS).
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Files of a certificate and its key (PEM). */
export interface CertificateFiles {
  cert: string;
  key: string;
}

/** A CA valid for `days`, in `dir` as `<name>.crt` and `<name>.key`. */
export async function makeCa(dir: string, name: string, days = 7): Promise<CertificateFiles> {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const ext = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', files.key, '-out', files.cert, '-days', String(days), '-subj', `/CN=${name}`, ...ext]);
  return files;
}

/**
 * A serving certificate signed by `ca` for `altNames` (`DNS:…`, `IP:…`), in `dir` as `<name>.crt` and
 * `<name>.key`.
 */
export async function makeServingCertificate(dir: string, ca: CertificateFiles, name: string, altNames: string[], days = 7): Promise<CertificateFiles> {
  const file = (suffix: string) => join(dir, `${name}.${suffix}`);
  await run('openssl', ['req', ...ec, '-keyout', file('key'), '-out', file('csr'), '-subj', `/CN=${name}`]);
  await writeFile(file('ext'), `subjectAltName=${altNames.join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`);
  const sign = ['-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', String(days), '-extfile', file('ext')];
  await run('openssl', ['x509', '-req', '-in', file('csr'), ...sign, '-out', file('crt')]);
  return { cert: file('crt'), key: file('key') };
}
