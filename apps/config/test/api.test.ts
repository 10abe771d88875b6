// The config API over a real nats-server, through fastify's inject: what an operator's client sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buckets, connectBus, ConfigFollower, ensureBucket, FragmentStore, listInstanceStatus, type EffectiveConfigV1 } from '@halo/bus';
import { startNatsServer, waitFor, type NatsServer } from '@halo/testing';
import { buildApp } from '../src/app.ts';
import { CommitLock } from '../src/commit-lock.ts';
import { Fragments } from '../src/fragments.ts';
import type { Tokens } from '../src/tokens.ts';

const writer = 'write-token-123';
const reader = 'read-token-456';
const tokens: Tokens = new Map([
  [writer, { name: 'alice', role: 'write' }],
  [reader, { name: 'dashboards', role: 'read' }],
]);
const hostsFragment = 'example.internal {\n  hosts {\n    10.1.2.3 app.example.internal\n  }\n}\n';

let nats: NatsServer;
let nc: NatsConnection;
let app: FastifyInstance;

/** One config service replica's fragments, as main.ts wires them: the shared commit lock, the answerers' own zones. */
const replica = async () =>
  new Fragments(await FragmentStore.open(nc), {
    clusterZone: 'cluster.local',
    networks: { services: ['10.96.0.0/12'], pods: ['10.244.0.0/16'], nodes: ['192.168.10.0/24'] },
    own: { answerer: ['.', 'corp.example'] },
    lock: new CommitLock(await ensureBucket(nc, buckets.config)),
  });

const as = (token: string | null, headers: Record<string, string> = {}) => ({ ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers });
const put = (name: string, text: string, ifMatch?: string, token = writer) =>
  app.inject({
    method: 'PUT',
    url: `/v1/fragments/${name}`,
    payload: text,
    headers: as(token, { 'content-type': 'text/plain', ...(ifMatch !== undefined ? { 'if-match': ifMatch } : {}) }),
  });

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  nc = await connectBus({ servers: nats.url, name: 'config-test' });
  // As the config service's main does: it owns the status bucket too.
  await ensureBucket(nc, buckets.status);
  const fragments = await replica();
  app = await buildApp({ fragments, statuses: () => listInstanceStatus(nc), tokens: () => tokens });
});
afterAll(async () => {
  await app?.close();
  await nc?.close();
  await nats?.stop();
});

describe('authentication', () => {
  it.each([
    ['GET', '/v1/fragments', null, 401],
    ['GET', '/v1/fragments', 'not-a-token', 401],
    ['GET', '/v1/fragments', reader, 200],
    ['PUT', '/v1/fragments/x', reader, 403],
    ['DELETE', '/v1/fragments/x', reader, 403],
    ['POST', '/v1/validate', reader, 403],
    ['POST', '/v1/validate', writer, 200],
    ['GET', '/v1/status', reader, 200],
  ] as const)('%s %s with %s → %i', async (method, url, token, status) => {
    const response = await app.inject({
      method,
      url,
      headers: as(token, { 'content-type': 'text/plain' }),
      payload: method === 'GET' ? undefined : hostsFragment,
    });
    expect(response.statusCode).toBe(status);
    if (status === 401) expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  });
});

describe('fragments', () => {
  it('creates, reads and lists a fragment, recording who wrote it', async () => {
    const created = await put('extra-hosts', hostsFragment);
    expect(created.statusCode).toBe(200);
    expect(created.headers.etag).toBe('"1"');
    expect(created.json().fragment).toMatchObject({ name: 'extra-hosts', version: 1, author: 'alice', targets: ['answerer', 'node-cache'] });
    const read = await app.inject({ url: '/v1/fragments/extra-hosts', headers: as(reader) });
    expect(read.json()).toMatchObject({ name: 'extra-hosts', version: 1, text: hostsFragment, readOnly: false });
    const list = await app.inject({ url: '/v1/fragments', headers: as(reader) });
    expect(list.json().fragments.map((f: { name: string }) => f.name)).toContain('extra-hosts');
  });

  it('rejects a fragment with a typo whole, with line and column, and changes nothing', async () => {
    const before = await app.inject({ url: '/v1/config?target=answerer', headers: as(reader) });
    const response = await put('typo', 'typo.internal {\n  hostz {\n    10.9.9.9 a.typo.internal\n  }\n}\n');
    expect(response.statusCode).toBe(422);
    expect(response.json().errors).toEqual([expect.objectContaining({ line: 2, column: 3, message: expect.stringContaining('hostz') })]);
    expect((await app.inject({ url: '/v1/fragments/typo', headers: as(reader) })).statusCode).toBe(404);
    const after = await app.inject({ url: '/v1/config?target=answerer', headers: as(reader) });
    expect(after.json()).toEqual(before.json());
  });

  it('lists every error of a fragment', async () => {
    const response = await put('many', 'cluster.local {\n  prometheus :9153\n}\nother.internal {\n  forward . not-an-address\n}\n');
    expect(response.statusCode).toBe(422);
    expect(response.json().errors.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a second fragment for a zone another claims, naming both', async () => {
    const response = await put('dupe', 'example.internal {\n  forward . 10.0.0.53\n}\n');
    expect(response.statusCode).toBe(422);
    expect(response.json().errors[0].message).toMatch(/extra-hosts/);
    expect(response.json().errors[0].message).toMatch(/dupe/);
  });

  it('needs the version you read to replace, and answers 409 to a stale one', async () => {
    const changed = 'example.internal {\n  hosts {\n    10.1.2.4 app.example.internal\n  }\n}\n';
    expect((await put('extra-hosts', changed)).statusCode).toBe(428);
    expect((await put('extra-hosts', changed, '"1"')).statusCode).toBe(200);
    const stale = await put('extra-hosts', hostsFragment, '"1"');
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ current: 2 });
  });

  it('keeps every version, and rolls back to one as a new version', async () => {
    const versions = await app.inject({ url: '/v1/fragments/extra-hosts/versions', headers: as(reader) });
    expect(versions.json().versions.map((v: { version: number; author: string }) => [v.version, v.author])).toEqual([
      [1, 'alice'],
      [2, 'alice'],
    ]);
    const rollback = await app.inject({ method: 'POST', url: '/v1/fragments/extra-hosts/rollback', payload: { version: 1 }, headers: as(writer) });
    expect(rollback.statusCode).toBe(200);
    expect(rollback.json().fragment).toMatchObject({ version: 3, change: 'rollback', rolledBackTo: 1, text: hostsFragment });
  });

  it('publishes the effective Corefile of each target', async () => {
    const effective = await app.inject({ url: '/v1/config?target=node-cache', headers: as(reader) });
    expect(effective.json()).toMatchObject({ target: 'node-cache', fragments: [{ name: 'extra-hosts', version: 3 }] });
    expect(effective.json().corefile).toContain('10.1.2.3 app.example.internal');
  });

  it('deletes with the version you read', async () => {
    expect((await put('gone', 'gone.internal {\n  whoami\n}\n')).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/v1/fragments/gone', headers: as(writer, { 'if-match': '"7"' }) })).statusCode).toBe(409);
    expect((await app.inject({ method: 'DELETE', url: '/v1/fragments/gone', headers: as(writer, { 'if-match': '"1"' }) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/fragments/gone', headers: as(reader) })).statusCode).toBe(404);
    const versions = await app.inject({ url: '/v1/fragments/gone/versions', headers: as(reader) });
    expect(versions.json().versions.map((v: { change: string }) => v.change)).toEqual(['put', 'delete']);
  });

  it('validates without applying', async () => {
    const ok = await app.inject({
      method: 'POST',
      url: '/v1/validate?name=draft',
      payload: 'draft.internal {\n  whoami\n}\n',
      headers: as(writer, { 'content-type': 'text/plain' }),
    });
    expect(ok.json()).toEqual({ ok: true, errors: [] });
    const bad = await app.inject({ method: 'POST', url: '/v1/validate', payload: 'draft.internal {\n', headers: as(writer, { 'content-type': 'text/plain' }) });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0]).toMatchObject({ line: 1 });
    expect((await app.inject({ url: '/v1/fragments/draft', headers: as(reader) })).statusCode).toBe(404);
  });

  it('refuses a bad name and a bad target by schema', async () => {
    expect((await put('Bad_Name', hostsFragment)).statusCode).toBe(400);
    expect((await app.inject({ url: '/v1/config?target=everything', headers: as(reader) })).statusCode).toBe(400);
  });
});

describe('two replicas, no leader', () => {
  it('lets exactly one of two concurrent writers of the same version win', async () => {
    const second = await buildApp({ fragments: await replica(), statuses: () => listInstanceStatus(nc), tokens: () => tokens });
    try {
      expect((await put('race', 'race.internal {\n  whoami\n}\n')).statusCode).toBe(200);
      const write = (target: FastifyInstance, ip: string) =>
        target.inject({
          method: 'PUT',
          url: '/v1/fragments/race',
          payload: `race.internal {\n  hosts {\n    ${ip} a.race.internal\n  }\n}\n`,
          headers: as(writer, { 'content-type': 'text/plain', 'if-match': '"1"' }),
        });
      const results = await Promise.all([write(app, '10.0.0.1'), write(second, '10.0.0.2')]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      const versions = await app.inject({ url: '/v1/fragments/race/versions', headers: as(reader) });
      expect(versions.json().versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    } finally {
      await second.close();
    }
  });
});

describe('two fragments claiming one zone at the same moment', () => {
  it('lets exactly one win, every time, across two replicas', async () => {
    const second = await buildApp({ fragments: await replica(), statuses: () => listInstanceStatus(nc), tokens: () => tokens });
    try {
      for (let i = 0; i < 10; i++) {
        const zone = `claimed-${i}.example`;
        const claim = (target: FastifyInstance, name: string) =>
          target.inject({
            method: 'PUT',
            url: `/v1/fragments/${name}`,
            payload: `${zone} {\n  whoami\n}\n`,
            headers: as(writer, { 'content-type': 'text/plain' }),
          });
        const results = await Promise.all([claim(app, `first-${i}`), claim(second, `second-${i}`)]);
        expect(results.map((r) => r.statusCode).sort()).toEqual([200, 422]);
        const loser = results.find((r) => r.statusCode === 422);
        expect(loser?.json().errors[0].message).toMatch(new RegExp(`already served by fragment "(first|second)-${i}"`));
        const effective = (await app.inject({ url: '/v1/config?target=answerer', headers: as(reader) })).json();
        expect(effective.corefile.split(`${zone} {`)).toHaveLength(2);
      }
    } finally {
      await second.close();
    }
  });
});

describe('what an attacker with a write token tried', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-attack-'));
    writeFileSync(join(dir, 'shadow'), 'root:$6$secret-hash-line:19000:0:99999:7:::\n');
    process.env.HALO_CONFIG_TOKEN = writer;
  });
  afterAll(() => {
    delete process.env.HALO_CONFIG_TOKEN;
  });
  const table: [name: string, text: () => string, message: RegExp][] = [
    [
      'a zone key emptied by the token placeholder',
      () => '{$HALO_CONFIG_TOKEN}cluster.local {\n  template IN A {\n    answer "{{ .Name }} 60 IN A 6.6.6.6"\n  }\n}\n',
      /placeholder/,
    ],
    [
      'a TXT answer of the environment',
      () => 'env.example {\n  template IN TXT {\n    answer "{{ .Name }} 60 IN TXT {$MALLOC_ARENA_MAX}"\n  }\n}\n',
      /placeholder/,
    ],
    ['an import of a secret file', () => `leak.example {\n  import ${join(dir, 'shadow')}\n}\n`, /import is not allowed/],
    ['an import of the environment', () => 'leak.example {\n  import /proc/self/environ\n}\n', /import is not allowed/],
    ['the write token as a hosts entry', () => 'leak.example {\n  hosts {\n    {$HALO_CONFIG_TOKEN} a.leak.example\n  }\n}\n', /placeholder/],
    ['hosts reading a secret file', () => `leak.example {\n  hosts ${join(dir, 'shadow')}\n}\n`, /reads no file/],
    [
      'PTR answers for the Service range',
      () => '10.96.0.0/12 {\n  template IN PTR {\n    answer "{{ .Name }} 60 IN PTR evil.example."\n  }\n}\n',
      /Service range/,
    ],
    ['half of IPv4 as reverse zones', () => '0.0.0.0/1 {\n  whoami\n}\n', /Service range/],
    ['half of IPv6 as reverse zones', () => '[::]/1 {\n  whoami\n}\n', /at least a \/16/],
    ['forward to loopback', () => 'up.example {\n  forward . 127.0.0.1\n}\n', /on this host/],
    ['forward to a node-local port', () => 'up.example {\n  forward . 127.0.0.1:10250\n}\n', /on this host/],
    ['forward to IPv6 loopback', () => 'up.example {\n  forward . [::1]\n}\n', /on this host/],
    ['forward to cloud metadata', () => 'up.example {\n  forward . 169.254.169.254\n}\n', /link-local/],
    ['forward to a node', () => 'up.example {\n  forward . 192.168.10.7:53\n}\n', /nodes' range/],
    ['a regular expression that would backtrack', () => 're.example {\n  template IN A {\n    match "^(a+)\\1$"\n  }\n}\n', /bad regex/],
    ["a zone of the answerers' own Corefile", () => 'corp.example {\n  forward . 10.0.0.53\n}\n', /answerer's own Corefile/],
  ];
  it.each(table)('%s: refused with 422, nothing echoed, nothing changed', async (_name, text, message) => {
    const before = (await app.inject({ url: '/v1/config?target=answerer', headers: as(reader) })).json();
    const response = await put('attack', text());
    expect(response.statusCode).toBe(422);
    expect(
      response
        .json()
        .errors.map((e: { message: string }) => e.message)
        .join('\n'),
    ).toMatch(message);
    expect(response.body).not.toContain(writer);
    expect(response.body).not.toContain('secret-hash-line');
    expect(response.body).not.toContain('PATH=');
    expect((await app.inject({ url: '/v1/config?target=answerer', headers: as(reader) })).json()).toEqual(before);
  });
});

describe('security headers', () => {
  it.each([
    ['the page', '/', null, 200],
    ['the OpenAPI document', '/openapi.json', null, 200],
    ['a refusal', '/v1/fragments', null, 401],
    ['an API answer', '/v1/fragments', reader, 200],
    ['a route that does not exist', '/nothing', reader, 404],
  ] as const)('on %s', async (_name, url, token, status) => {
    const response = await app.inject({ url, headers: as(token) });
    expect(response.statusCode).toBe(status);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
  });
});

describe('status and OpenAPI', () => {
  it('shows a version an instance refused as rejected, never as applied', async () => {
    const follower = await ConfigFollower.open(nc, {
      target: 'node-cache',
      instance: 'node-cache-refuses',
      running: null,
      apply: async () => ({ ok: false, error: 'Corefile:3:1: zone "x.example" on port 53 is already served' }),
    });
    try {
      expect((await put('refused-here', 'refused.example {\n  whoami\n}\n')).statusCode).toBe(200);
      const status = await waitFor(async () => {
        const s = (await app.inject({ url: '/v1/status', headers: as(reader) })).json();
        const me = s.instances.find((i: { instance: string }) => i.instance === 'node-cache-refuses');
        return me && me.errorVersion === s.effective['node-cache'] ? s : null;
      });
      expect(status.instances.find((i: { instance: string }) => i.instance === 'node-cache-refuses')).toMatchObject({ state: 'rejected', current: false });
      expect(status.rollout.find((r: { target: string }) => r.target === 'node-cache')).toMatchObject({
        state: 'rejected',
        rejectedBy: [{ instance: 'node-cache-refuses', error: expect.stringContaining('already served') }],
      });
    } finally {
      await follower.close();
    }
  });

  it('shows each instance with the version it runs and its programming latency', async () => {
    const applied: number[] = [];
    const follower = await ConfigFollower.open(nc, {
      target: 'answerer',
      instance: 'answerer-test.0',
      running: null,
      programmingLatency: () => ({ count: 12, p50Seconds: 0.031, p99Seconds: 2.5 }),
      apply: async (config: EffectiveConfigV1) => {
        applied.push(config.version);
        return { ok: true };
      },
    });
    await waitFor(() => applied.length > 0);
    const status = await waitFor(async () => {
      const response = (await app.inject({ url: '/v1/status', headers: as(reader) })).json();
      return response.instances.find((i: { instance: string; current: boolean }) => i.instance === 'answerer-test.0' && i.current) ? response : null;
    });
    expect(status.instances.find((i: { instance: string }) => i.instance === 'answerer-test.0')).toMatchObject({
      target: 'answerer',
      version: status.effective.answerer,
      error: null,
      programmingLatency: { count: 12, p50Seconds: 0.031, p99Seconds: 2.5 },
    });
    await follower.close();
  });

  it('serves an OpenAPI document covering every route', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/v1/fragments',
      '/v1/fragments/{name}',
      '/v1/fragments/{name}/versions',
      '/v1/fragments/{name}/rollback',
      '/v1/validate',
      '/v1/config',
      '/v1/status',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });

  it('serves the page', async () => {
    const page = await app.inject({ url: '/' });
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('Corefile fragments');
  });
});
