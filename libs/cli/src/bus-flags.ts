// The bus flags every app that connects to NATS takes: the replicas of the buckets it creates, and
// its NATS user, password file and CA bundle. The files are read here, at start-up: one missing or
// empty is an error to stop on, not a connection refused later.
import { readFileSync } from 'node:fs';
import type { Parsed } from './flags.ts';
import { parseWholeNumber } from './values.ts';

export const busFlags = {
  'bus-replicas': { type: 'string' },
  'nats-user': { type: 'string' },
  'nats-password-file': { type: 'string' },
  'nats-ca': { type: 'string' },
  'nats-tls-name': { type: 'string' },
} as const;

export const busUsage = `  --bus-replicas N          replicas of each KV bucket it creates or updates, 1 to 5 (env BUS_REPLICAS, default 1)
  --nats-user NAME          NATS user (env NATS_USER; needs --nats-password-file)
  --nats-password-file FILE the NATS user's password, read from FILE (env NATS_PASSWORD_FILE)
  --nats-ca FILE            CA bundle that signs the NATS servers' certificates: TLS (env NATS_CA)
  --nats-tls-name NAME      the name the servers' certificates must carry, when the URLs hold addresses
                            (env NATS_TLS_NAME; needs --nats-ca; default: the URL's host)`;

export interface BusFlagsConfig {
  /** Replicas of every bucket the app creates or updates. */
  replicas: number;
  user?: string;
  /** The password read from `--nats-password-file`. */
  password?: string;
  /** The CA bundle (PEM) read from `--nats-ca`. */
  ca?: string;
  /** The name the servers' certificates are checked against (`--nats-tls-name`). */
  tlsName?: string;
}

type BusFlagValues = { [K in keyof typeof busFlags]?: string };

function readSecretFile(file: string, flag: string): Parsed<string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, message: `${flag} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  // A file written by hand or by `echo` ends in a newline that is no part of the password.
  const value = text.replace(/\r?\n$/, '');
  if (value.trim() === '') return { ok: false, message: `${flag} ${file}: the file is empty` };
  return { ok: true, value };
}

/** The bus flags, else their environment variables (BUS_REPLICAS, NATS_USER, NATS_PASSWORD_FILE, NATS_CA, NATS_TLS_NAME). */
export function readBusFlags(values: BusFlagValues, env: NodeJS.ProcessEnv): Parsed<BusFlagsConfig> {
  const replicas = parseWholeNumber(values['bus-replicas'] ?? env.BUS_REPLICAS ?? '1', '--bus-replicas', { min: 1, max: 5 });
  if (!replicas.ok) return replicas;
  const config: BusFlagsConfig = { replicas: replicas.value };
  const user = values['nats-user'] ?? env.NATS_USER;
  const passwordFile = values['nats-password-file'] ?? env.NATS_PASSWORD_FILE;
  if (user !== undefined && passwordFile === undefined) return { ok: false, message: `--nats-user ${user}: needs --nats-password-file` };
  if (passwordFile !== undefined) {
    if (user === undefined) return { ok: false, message: '--nats-password-file: needs --nats-user' };
    const password = readSecretFile(passwordFile, '--nats-password-file');
    if (!password.ok) return password;
    config.user = user;
    config.password = password.value;
  }
  const caFile = values['nats-ca'] ?? env.NATS_CA;
  if (caFile !== undefined) {
    const ca = readSecretFile(caFile, '--nats-ca');
    if (!ca.ok) return ca;
    config.ca = ca.value;
  }
  const tlsName = values['nats-tls-name'] ?? env.NATS_TLS_NAME;
  if (tlsName !== undefined) {
    if (config.ca === undefined) return { ok: false, message: `--nats-tls-name ${tlsName}: needs --nats-ca` };
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(tlsName)) return { ok: false, message: `--nats-tls-name ${tlsName}: not a DNS name` };
    config.tlsName = tlsName;
  }
  return { ok: true, value: config };
}
