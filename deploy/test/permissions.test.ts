// The users' permissions in the manifests' nats.conf are libs/bus's table (busPermissions), written out:
// a subject added to the code and not to the manifests (or the other way round) fails here, before a
// cluster refuses a component its work or grants one more than it needs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { busPermissions, busUsers, type Permissions } from '@halo/bus';

const natsConf = readFileSync(fileURLToPath(new URL('../components/nats/nats.conf', import.meta.url)), 'utf8');

/** Each user's publish and subscribe lists as nats.conf writes them (comments dropped). */
function permissionsIn(conf: string): Map<string, Permissions> {
  const text = conf.replace(/#.*$/gm, '');
  const users = new Map<string, Permissions>();
  for (const block of text.split(/\n\s*\{\s*\n\s*user:/).slice(1)) {
    const user = /^\s*([-\w]+)/.exec(block)?.[1];
    const list = (name: string) => {
      const body = new RegExp(`${name}:\\s*\\[([^\\]]*)\\]`).exec(block)?.[1] ?? '';
      return [...body.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
    };
    if (user) users.set(user, { publish: list('publish'), subscribe: list('subscribe') });
  }
  return users;
}

describe("nats.conf's users", () => {
  const rendered = permissionsIn(natsConf);

  it('are the bus users, no more', () => {
    expect([...rendered.keys()].sort()).toEqual([...busUsers].sort());
  });

  it.each(busUsers.map((user) => [user]))('%s has exactly the permissions of busPermissions', (user) => {
    const wanted = busPermissions[user];
    const got = rendered.get(user);
    expect(got && [...got.publish].sort()).toEqual([...wanted.publish].sort());
    expect(got && [...got.subscribe].sort()).toEqual([...wanted.subscribe].sort());
  });
});
