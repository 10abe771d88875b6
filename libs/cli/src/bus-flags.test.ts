import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBusFlags } from './bus-flags.ts';

const dir = mkdtempSync(join(tmpdir(), 'halo-bus-flags-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const password = file('password', 's3cret\n');
const empty = file('empty', '\n');
const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const missing = join(dir, 'missing');

describe('readBusFlags', () => {
  it.each<[string, Record<string, string>, NodeJS.ProcessEnv, object]>([
    ['defaults: one replica, an open bus', {}, {}, { replicas: 1 }],
    ['flags', { 'bus-replicas': '3', 'nats-user': 'answerer', 'nats-password-file': password }, {}, { replicas: 3, user: 'answerer', password: 's3cret' }],
    [
      'environment',
      {},
      { BUS_REPLICAS: '3', NATS_USER: 'watcher', NATS_PASSWORD_FILE: password, NATS_CA: ca },
      { replicas: 3, user: 'watcher', password: 's3cret', ca: expect.stringContaining('BEGIN CERTIFICATE') },
    ],
    [
      'a TLS name with the CA',
      { 'nats-ca': ca, 'nats-tls-name': 'halo-nats.kube-system.svc' },
      {},
      { replicas: 1, ca: expect.stringContaining('BEGIN CERTIFICATE'), tlsName: 'halo-nats.kube-system.svc' },
    ],
    ['a flag over its variable', { 'bus-replicas': '1' }, { BUS_REPLICAS: '3' }, { replicas: 1 }],
  ])('%s', (_name, values, env, wanted) => {
    expect(readBusFlags(values, env)).toEqual({ ok: true, value: wanted });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['replicas out of range', { 'bus-replicas': '6' }, /--bus-replicas: a whole number from 1 to 5, got "6"/],
    ['replicas zero', { 'bus-replicas': '0' }, /--bus-replicas: a whole number from 1 to 5/],
    ['a user without a password file', { 'nats-user': 'answerer' }, /--nats-user answerer: needs --nats-password-file/],
    ['a password file without a user', { 'nats-password-file': password }, /--nats-password-file: needs --nats-user/],
    ['a missing password file', { 'nats-user': 'answerer', 'nats-password-file': missing }, /--nats-password-file .*missing: cannot read it \(ENOENT\)/],
    ['an empty password file', { 'nats-user': 'answerer', 'nats-password-file': empty }, /--nats-password-file .*empty: the file is empty/],
    ['a missing CA file', { 'nats-ca': missing }, /--nats-ca .*missing: cannot read it \(ENOENT\)/],
    ['a TLS name without a CA', { 'nats-tls-name': 'halo-nats.kube-system.svc' }, /--nats-tls-name halo-nats.kube-system.svc: needs --nats-ca/],
    ['a TLS name that is no DNS name', { 'nats-ca': ca, 'nats-tls-name': 'halo nats' }, /--nats-tls-name halo nats: not a DNS name/],
  ])('refuses %s', (_name, values, message) => {
    const result = readBusFlags(values, {});
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
  });
});
