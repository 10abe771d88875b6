// The config service end to end: fragments applied live on every answerer and the node cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '@halo/kube';
import { query, waitFor } from '@halo/testing';
import { startStack, type Stack } from '../src/index.ts';

let stack: Stack;
let core: CoreV1Api;

const pool = () => stack.dns;
const cache = () => ({ host: stack.dns.host, port: stack.cachePort });
const addressOf = async (server: { host: string; port: number }, name: string) => {
  const response = await query(server, name, 'A', { timeoutMs: 1_000 });
  return response.rcode === 'NOERROR' ? (response.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : [])).join(',') : response.rcode;
};
// Each answerer on its own port too: the shared port may reach the one that has applied, and the next
// question the other.
async function everywhere(name: string, expected: string) {
  for (const server of [...stack.answerers, pool(), cache()]) {
    await waitFor(async () => (await addressOf(server, name)) === expected, {
      timeoutMs: 15_000,
      message: `${name} at :${server.port} never answered ${expected}`,
    });
  }
}

async function api(method: string, path: string, body?: string | object, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.config.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${stack.config.token}`,
      ...(typeof body === 'string' ? { 'content-type': 'text/plain' } : body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> & { errors?: { line: number; column: number }[] } };
}

const hosts = (ip: string) => `example.internal {\n  hosts {\n    ${ip} app.example.internal\n  }\n}\n`;

beforeAll(async () => {
  stack = await startStack({ answerers: 2 });
  const kc = loadKubeConfig({ kubeServer: stack.kubeUrl });
  core = kc.makeApiClient(CoreV1Api);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the config service, live', () => {
  it('applies a fragment on the answerers and the node cache right after the PUT', async () => {
    const put = await api('PUT', '/v1/fragments/example', hosts('10.1.2.3'));
    expect(put.status).toBe(200);
    await everywhere('app.example.internal', '10.1.2.3');
    // The cluster zone keeps answering beside it.
    expect(await addressOf(pool(), 'web.shop.svc.cluster.local')).toBe('10.96.10.10');
  });

  it('refuses a typo with line and column, and every instance keeps answering as before', async () => {
    const typo = await api('PUT', '/v1/fragments/typo', 'typo.internal {\n  hosts {\n    10.9.9.9 a.typo.internal\n  }\n  forwrd . 10.0.0.53\n}\n');
    expect(typo.status).toBe(422);
    expect(typo.json.errors?.[0]).toMatchObject({ line: 5, column: 3 });
    expect(await addressOf(pool(), 'app.example.internal')).toBe('10.1.2.3');
    expect(await addressOf(cache(), 'app.example.internal')).toBe('10.1.2.3');
  });

  it('answers 401 without a token and 409 to a stale write', async () => {
    expect((await fetch(`${stack.config.url}/v1/fragments`)).status).toBe(401);
    expect((await api('PUT', '/v1/fragments/example', hosts('10.1.2.5'), { 'if-match': '"0"' })).status).toBe(409);
  });

  it('takes read and write tokens from a Kubernetes Secret', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await core.createNamespacedSecret({
      namespace: 'kube-system',
      body: { metadata: { name: 'halo-config-tokens', namespace: 'kube-system' }, data: { 'read.grafana': b64('grafana-read-token') } },
    });
    const asGrafana = (method: string) =>
      fetch(`${stack.config.url}/v1/fragments${method === 'PUT' ? '/x' : ''}`, {
        method,
        headers: { authorization: 'Bearer grafana-read-token', 'content-type': 'text/plain' },
        body: method === 'PUT' ? hosts('10.0.0.1') : undefined,
      });
    await waitFor(async () => (await asGrafana('GET')).status === 200, { timeoutMs: 10_000, message: 'the Secret token never worked' });
    expect((await asGrafana('PUT')).status).toBe(403);
  });

  it('rolls back to the earlier answers', async () => {
    expect((await api('PUT', '/v1/fragments/example', hosts('10.1.2.4'), { 'if-match': '"1"' })).status).toBe(200);
    await everywhere('app.example.internal', '10.1.2.4');
    expect((await api('POST', '/v1/fragments/example/rollback', { version: 1 })).status).toBe(200);
    await everywhere('app.example.internal', '10.1.2.3');
  });

  it('applies, changes and removes a fragment from the dns-extra-configs ConfigMap', async () => {
    const configMap = (ip: string) => ({
      metadata: { name: 'dns-extra-configs', namespace: 'kube-system' },
      data: { Corefile: `corp.internal {\n  hosts {\n    ${ip} db.corp.internal\n  }\n}\n` },
    });
    await core.createNamespacedConfigMap({ namespace: 'kube-system', body: configMap('10.5.0.1') });
    await everywhere('db.corp.internal', '10.5.0.1');
    const current = await core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'dns-extra-configs' });
    await core.replaceNamespacedConfigMap({
      namespace: 'kube-system',
      name: 'dns-extra-configs',
      body: { ...configMap('10.5.0.2'), metadata: { ...configMap('').metadata, resourceVersion: current.metadata?.resourceVersion } },
    });
    await everywhere('db.corp.internal', '10.5.0.2');
    // Read-only through the API.
    const list = await api('GET', '/v1/fragments');
    const fromConfigMap = (list.json.fragments as { name: string; readOnly: boolean }[]).find((f) => f.readOnly);
    expect(fromConfigMap).toBeDefined();
    expect((await api('DELETE', `/v1/fragments/${fromConfigMap!.name}`, undefined, { 'if-match': '"2"' })).status).toBe(403);
    await core.deleteNamespacedConfigMap({ namespace: 'kube-system', name: 'dns-extra-configs' });
    for (const server of [pool(), cache()]) {
      await waitFor(async () => (await addressOf(server, 'db.corp.internal')) !== '10.5.0.2', { timeoutMs: 15_000, message: 'the ConfigMap fragment stayed' });
    }
  });

  it('loses no query from a steady stream during ten applies, and every instance reports the new version', async () => {
    let stop = false;
    let sent = 0;
    const failures: string[] = [];
    const stream = (async () => {
      while (!stop) {
        for (const server of [pool(), cache()]) {
          sent++;
          const answer = await addressOf(server, 'web.shop.svc.cluster.local').catch((err: Error) => err.message);
          if (answer !== '10.96.10.10') failures.push(`:${server.port} ${answer}`);
        }
      }
    })();
    let version = Number((await api('GET', '/v1/fragments/example')).json.version);
    for (let i = 0; i < 10; i++) {
      const put = await api('PUT', '/v1/fragments/example', hosts(`10.1.3.${i + 1}`), { 'if-match': `"${version}"` });
      expect(put.status).toBe(200);
      version = Number((put.json.fragment as { version: number }).version);
    }
    await everywhere('app.example.internal', '10.1.3.10');
    stop = true;
    await stream;
    expect(sent).toBeGreaterThan(20);
    expect(failures).toEqual([]);

    const status = await waitFor(
      async () => {
        const s = (await api('GET', '/v1/status')).json as {
          effective: Record<string, number>;
          instances: { instance: string; target: string; version: number; error: string | null }[];
        };
        const onNew = s.instances.filter((i) => i.version === s.effective[i.target] && i.error === null);
        return onNew.length >= 3 ? s : null;
      },
      { timeoutMs: 15_000, message: 'not every instance reported the new version' },
    );
    expect(status.instances.map((i) => i.instance).sort()).toEqual(['answerer-0', 'answerer-1', 'node-cache-0']);
  });

  it('comes back up on the last good config after a restart while the config service is down', async () => {
    await stack.processes.get('config')!.handle.kill('SIGTERM');
    for (const name of ['answerer-0', 'answerer-1', 'node-cache']) {
      await stack.processes.get(name)!.handle.kill('SIGTERM');
      await stack.restart(name);
    }
    // Both answerers share the port: ask often enough to reach each.
    for (let i = 0; i < 20; i++) expect(await addressOf(pool(), 'app.example.internal')).toBe('10.1.3.10');
    await everywhere('app.example.internal', '10.1.3.10');
    await stack.restart('config');
  });
});
