// A real Kubernetes control plane on 127.0.0.1 for tests: etcd and kube-apiserver on free ports with a
// fresh data folder, RBAC on, an admin token, no controller-manager and no scheduler (nothing writes
// EndpointSlices or runs Pods: tests write what they need, as with kube-sim).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnProcess, waitFor, type ChildHandle } from '@halo/testing';
import { findControlPlaneBinaries, type ControlPlaneBinaries } from './binaries.ts';
import { makeCertificates } from './certificates.ts';
import { ControlPlaneError } from './errors.ts';
import { kubeconfigText } from './kubeconfig.ts';

export interface ControlPlaneOptions {
  /** Default: what tools/reference/build.sh built; a ControlPlaneError 'not-built' when it built nothing. */
  binaries?: ControlPlaneBinaries;
  /** kube-apiserver's port (default a free one). */
  port?: number;
  /** The Service ranges (default dual stack, as kube-sim: 10.96.0.0/12 and fd00:10:96::/112). */
  serviceClusterIpRange?: string;
  /** How long each server may take to be ready (default 60 s). */
  readyTimeoutMs?: number;
}

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** A kubeconfig file for the admin (group system:masters). */
  kubeconfig: string;
  adminToken: string;
  /** The CA that signed the API server's certificate, PEM. */
  caPem: string;
  /** The data folder: certificates, tokens, etcd's data; removed by stop(). */
  dir: string;
  etcdUrl: string;
  binaries: ControlPlaneBinaries;
  /** Runs the reference kubectl, as the admin unless another kubeconfig is given; resolves with its stdout. */
  kubectl(args: string[], options?: { input?: string; kubeconfig?: string }): Promise<string>;
  /** A kubeconfig file (and its token) for a ServiceAccount, from `kubectl create token`: RBAC judges it for real. */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<{ file: string; token: string }>;
  /** Stops kube-apiserver (SIGTERM, or SIGKILL as a crash), runs `whileDown`, starts it again on the same port and etcd. */
  restartApiServer(options?: { signal?: 'SIGTERM' | 'SIGKILL'; whileDown?: () => Promise<unknown> }): Promise<void>;
  /** Compacts etcd's history up to now (a watch from an older resourceVersion then gets 410 Gone); returns the revision. */
  compactEtcd(): Promise<number>;
  /** What the current kube-apiserver logged. */
  apiServerLines(): string[];
  stop(): Promise<void>;
}

interface HttpsAnswer {
  status: number;
  body: string;
}

function httpsGet(url: string, caPem: string, token: string): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: caPem, headers: { authorization: `Bearer ${token}` }, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

async function etcdCall(etcdUrl: string, path: string, body: object): Promise<{ header?: { revision?: string } }> {
  const response = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new ControlPlaneError('etcd-failed', `etcd ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as { header?: { revision?: string } };
}

/** Resolves once ready() says so; rejects at once if the process exits meanwhile, with its last lines. */
async function readyOrExited(name: string, handle: ChildHandle, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  let exited = false;
  const died = handle.exited.then((code) => {
    exited = true;
    throw new ControlPlaneError('start-failed', `${name} exited (code ${code}) before it was ready; last lines:\n${handle.lines.slice(-20).join('\n')}`);
  });
  const became = waitFor(() => !exited && ready(), { timeoutMs, intervalMs: 100, message: `${name} was not ready` }).catch((error: Error) => {
    if (exited) return;
    throw new ControlPlaneError('start-failed', `${error.message}; last lines:\n${handle.lines.slice(-20).join('\n')}`, { cause: error });
  });
  await Promise.race([became, died]);
  died.catch(() => undefined);
}

async function halt(handle: ChildHandle | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!handle) return;
  // kube-apiserver drains its requests on SIGTERM; a stuck one must not hold the test run.
  const killer = setTimeout(() => void handle.kill('SIGKILL'), 15_000);
  await handle.kill(signal);
  clearTimeout(killer);
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  let binaries = options.binaries;
  if (!binaries) {
    const found = findControlPlaneBinaries();
    if (!found.ok) throw new ControlPlaneError('not-built', found.message);
    binaries = { etcd: found.etcd, kubeApiserver: found.kubeApiserver, kubectl: found.kubectl };
  }
  const bins = binaries;
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const dir = await mkdtemp(join(tmpdir(), 'halo-control-plane-'));
  let etcd: ChildHandle | undefined;
  let apiServer: ChildHandle | undefined;

  const stop = async () => {
    await halt(apiServer);
    apiServer = undefined;
    await halt(etcd);
    etcd = undefined;
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const certs = await makeCertificates(dir);
    const adminToken = randomBytes(24).toString('base64url');
    await writeFile(join(dir, 'tokens.csv'), `${adminToken},halo-admin,halo-admin,"system:masters"\n`, { mode: 0o600 });

    const clientPort = await freePort();
    const peerPort = await freePort();
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    etcd = await spawnProcess(bins.etcd, [
      '--name',
      'halo',
      '--data-dir',
      join(dir, 'etcd'),
      '--listen-client-urls',
      etcdUrl,
      '--advertise-client-urls',
      etcdUrl,
      '--listen-peer-urls',
      peerUrl,
      '--initial-advertise-peer-urls',
      peerUrl,
      '--initial-cluster',
      `halo=${peerUrl}`,
      // A test's data needs no durability: without fsync a burst of writes is not bound by the disk.
      '--unsafe-no-fsync',
      '--log-level',
      'warn',
    ]);
    const etcdHandle = etcd;
    await readyOrExited('etcd', etcdHandle, async () => (await fetch(`${etcdUrl}/health`)).ok, readyTimeoutMs);

    const port = options.port ?? (await freePort());
    const url = `https://127.0.0.1:${port}`;
    const apiServerArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--service-cluster-ip-range=${options.serviceClusterIpRange ?? '10.96.0.0/12,fd00:10:96::/112'}`,
      `--tls-cert-file=${certs.certFile}`,
      `--tls-private-key-file=${certs.keyFile}`,
      `--client-ca-file=${certs.caFile}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${certs.serviceAccountPublicKeyFile}`,
      `--service-account-signing-key-file=${certs.serviceAccountKeyFile}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      // No node answers for 127.0.0.1 as the `kubernetes` Service's endpoint, and no controller-manager
      // creates the ServiceAccount tokens the ServiceAccount admission would wait for.
      '--endpoint-reconciler-type=none',
      '--disable-admission-plugins=ServiceAccount',
      // On SIGTERM, end open watches (clients re-watch) instead of waiting for them: without it the server
      // waits for every watch it serves and a stop takes 15 s and more.
      '--shutdown-watch-termination-grace-period=1s',
      '--profiling=false',
    ];
    const startApiServer = async () => {
      apiServer = await spawnProcess(bins.kubeApiserver, apiServerArgs);
      await readyOrExited('kube-apiserver', apiServer, async () => (await httpsGet(`${url}/readyz`, certs.caPem, adminToken)).status === 200, readyTimeoutMs);
    };
    await startApiServer();

    const kubeconfig = join(dir, 'admin.kubeconfig');
    await writeFile(kubeconfig, kubeconfigText([{ name: 'halo-control-plane', server: url, caPem: certs.caPem, token: adminToken }]), { mode: 0o600 });

    const kubectl = (args: string[], o: { input?: string; kubeconfig?: string } = {}) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(bins.kubectl, ['--kubeconfig', o.kubeconfig ?? kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
        child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
        child.on('error', (error) => reject(new ControlPlaneError('kubectl-failed', `cannot run ${bins.kubectl}: ${error.message}`)));
        child.on('close', (code) => {
          if (code === 0) resolve(out);
          else reject(new ControlPlaneError('kubectl-failed', `kubectl ${args.join(' ')} exited ${code}: ${err.trim()}`));
        });
        child.stdin.end(o.input ?? '');
      });

    let accounts = 0;
    return {
      url,
      port,
      kubeconfig,
      adminToken,
      caPem: certs.caPem,
      dir,
      etcdUrl,
      binaries: bins,
      kubectl,
      async serviceAccountKubeconfig(namespace, name) {
        const token = (await kubectl(['create', 'token', name, '--namespace', namespace, '--duration', '24h'])).trim();
        const file = join(dir, `sa-${namespace}-${name}-${++accounts}.kubeconfig`);
        await writeFile(file, kubeconfigText([{ name: `${namespace}-${name}`, server: url, caPem: certs.caPem, token, namespace }]), { mode: 0o600 });
        return { file, token };
      },
      async restartApiServer(o = {}) {
        await halt(apiServer, o.signal ?? 'SIGTERM');
        apiServer = undefined;
        await o.whileDown?.();
        await startApiServer();
      },
      async compactEtcd() {
        const range = await etcdCall(etcdUrl, '/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 });
        const revision = Number(range.header?.revision);
        await etcdCall(etcdUrl, '/v3/kv/compaction', { revision: String(revision), physical: true });
        return revision;
      },
      apiServerLines: () => apiServer?.lines ?? [],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
