import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCa, makeServingCertificate } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'halo-certificates-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const x509 = (file: string) => new X509Certificate(readFileSync(file));

describe('test certificates', () => {
  it('a CA signs a serving certificate for exactly the names given', async () => {
    const ca = await makeCa(dir, 'test-ca');
    const other = await makeCa(dir, 'other-ca');
    const serving = await makeServingCertificate(dir, ca, 'nats', ['DNS:halo-nats.kube-system.svc', 'IP:127.0.0.1']);
    expect(x509(ca.cert).ca).toBe(true);
    const cert = x509(serving.cert);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(x509(ca.cert))).toBe(true);
    expect(cert.checkIssued(x509(other.cert))).toBe(false);
    expect(cert.checkHost('halo-nats.kube-system.svc')).toBe('halo-nats.kube-system.svc');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBeUndefined();
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(serving.key)))).toBe(true);
  });
});
