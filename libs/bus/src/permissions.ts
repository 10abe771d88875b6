// Who may do what on the bus: one NATS user per component, each with the least it needs. The table is
// derived by running each component's client (nats.js 3) against nats-server 2.9.10 and reading what
// the server refused; docs/security.md shows it, the stack and the tests render it into nats.conf.
import { buckets, subjects } from './names.ts';
import type { BucketName } from './buckets.ts';

export const busUsers = ['watcher', 'answerer', 'node-cache', 'config'] as const;
export type BusUser = (typeof busUsers)[number];

export interface Permissions {
  publish: string[];
  subscribe: string[];
}

/** Each user's replies arrive under a prefix of its own, which only it may subscribe to. */
export const inboxPrefixOf = (user: string): string => `_INBOX_${user.replace(/-/g, '_')}`;

const api = '$JS.API';
const stream = (bucket: BucketName) => `KV_${bucket}`;

/**
 * Read a bucket: its stream's info, direct gets (every bucket is created with allow_direct), and the
 * ordered consumers of watch() and keys() (created with their filter in the subject, as nats.js 3
 * does against a 2.9 server; looked up and deleted by their random names, which no other user can
 * list). `$JS.FC`: the flow-control replies of those consumers during a burst.
 */
function readBucket(bucket: BucketName): string[] {
  const s = stream(bucket);
  return [
    `${api}.STREAM.INFO.${s}`,
    `${api}.DIRECT.GET.${s}.>`,
    `${api}.CONSUMER.CREATE.${s}.>`,
    `${api}.CONSUMER.INFO.${s}.>`,
    `${api}.CONSUMER.DELETE.${s}.>`,
    `$JS.FC.${s}.>`,
  ];
}

/** Own a bucket: create it, change its replicas in place (never delete it). */
const ownBucket = (bucket: BucketName): string[] => [`${api}.STREAM.CREATE.${stream(bucket)}`, `${api}.STREAM.UPDATE.${stream(bucket)}`];

/** Write (put, delete) the keys of a bucket under `keys` (`>`: all of them). */
const writeKeys = (bucket: BucketName, keys = '>'): string[] => [`$KV.${bucket}.${keys}`];

/** Only the bucket's stream info: enough to wait for it and to write into it. */
const bucketInfo = (bucket: BucketName): string[] => [`${api}.STREAM.INFO.${stream(bucket)}`];

/** The account's JetStream info: nats.js asks it when it first opens a JetStream manager. */
const common = [`${api}.INFO`];

export const busPermissions: Record<BusUser, Permissions> = {
  watcher: {
    publish: [...common, ...ownBucket(buckets.zone), ...readBucket(buckets.zone), ...writeKeys(buckets.zone), subjects.zoneChanged],
    subscribe: [`${inboxPrefixOf('watcher')}.>`],
  },
  answerer: {
    publish: [...common, ...readBucket(buckets.zone), ...readBucket(buckets.config), ...bucketInfo(buckets.status), ...writeKeys(buckets.status, 'answerer.>')],
    subscribe: [`${inboxPrefixOf('answerer')}.>`],
  },
  'node-cache': {
    publish: [...common, ...readBucket(buckets.config), ...bucketInfo(buckets.status), ...writeKeys(buckets.status, 'node-cache.>')],
    subscribe: [`${inboxPrefixOf('node-cache')}.>`, subjects.zoneChanged],
  },
  config: {
    publish: [
      ...common,
      ...ownBucket(buckets.config),
      ...readBucket(buckets.config),
      ...writeKeys(buckets.config),
      ...ownBucket(buckets.status),
      ...readBucket(buckets.status),
    ],
    subscribe: [`${inboxPrefixOf('config')}.>`],
  },
};

export interface NatsUser {
  user: string;
  password: string;
  permissions?: Permissions;
}

/** The `authorization { users: [...] }` block of a nats.conf for these users (passwords as given). */
export function renderAuthorization(users: readonly NatsUser[]): string {
  const q = (s: string) => JSON.stringify(s);
  const list = (xs: string[]) => `[${xs.map(q).join(', ')}]`;
  const lines = users.map((u) => {
    const perms = u.permissions
      ? `, permissions: { publish: { allow: ${list(u.permissions.publish)} }, subscribe: { allow: ${list(u.permissions.subscribe)} } }`
      : '';
    return `    { user: ${q(u.user)}, password: ${q(u.password)}${perms} }`;
  });
  return `authorization {\n  users: [\n${lines.join('\n')}\n  ]\n}\n`;
}
