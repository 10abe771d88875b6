// The Kubernetes API server over Node's own http/https: GETs with the caller's credentials, nothing else.
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeConfigOptions } from '../config.ts';
import { KubeError, statusMessage } from '../errors.ts';

/** Where the kubelet mounts a pod's service account token and the cluster's CA. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ApiServerOptions extends KubeConfigOptions {
  /** In a pod: where the service account's `token` and `ca.crt` are (default SERVICE_ACCOUNT_DIR). */
  serviceAccountDir?: string;
  /** How long a request may wait for its response to begin (default 30 s, as client-node). */
  responseTimeoutMs?: number;
}

export interface ApiServer {
  /** The server's URL, for logs. */
  readonly server: string;
  /**
   * GETs a path with its query. Resolves with the response once its status is 2xx (the body still to be
   * read); rejects with a KubeError carrying the status and the API server's own message otherwise.
   */
  get(path: string, signal?: AbortSignal): Promise<IncomingMessage>;
}

const RESPONSE_TIMEOUT_MS = 30_000;

/** Fills a request's credentials and TLS settings; called before every request (tokens rotate). */
type Authorize = (options: RequestOptions) => Promise<void>;

/**
 * Where the Kubernetes API is, in the order `loadKubeConfig` follows: --kube-server URL (no credentials;
 * plain http for kube-sim) > a kubeconfig file / KUBECONFIG > in-cluster > ~/.kube/config. In a pod the
 * service account's token is read again for every request (the kubelet rotates it) and the cluster's CA
 * verifies the server. A kubeconfig is read by client-node, with every kind of credential it knows; it is
 * loaded only then.
 */
export async function connectApiServer(options: ApiServerOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<ApiServer> {
  const timeoutMs = options.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS;
  if (options.kubeServer) return apiServer(new URL(options.kubeServer), () => Promise.resolve(), timeoutMs);
  if (!options.kubeconfig && !env.KUBECONFIG && env.KUBERNETES_SERVICE_HOST) return inCluster(env, options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, timeoutMs);
  const { loadKubeConfig } = await import('../config.ts');
  return apiServerOf(loadKubeConfig(options, env), timeoutMs);
}

/** The API server a loaded KubeConfig names, with its credentials (applied again for every request). */
export function apiServerOf(kc: KubeConfig, timeoutMs = RESPONSE_TIMEOUT_MS): ApiServer {
  const server = new URL(kc.getCurrentCluster()?.server ?? '');
  return apiServer(
    server,
    async (request) => {
      await kc.applyToHTTPSOptions(request);
      // client-node makes an https agent whatever the scheme; a plain-http server takes Node's own.
      if (server.protocol === 'http:') delete request.agent;
    },
    timeoutMs,
  );
}

async function inCluster(env: NodeJS.ProcessEnv, dir: string, timeoutMs: number): Promise<ApiServer> {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  const ca = await readFile(join(dir, 'ca.crt')).catch((error: unknown) => {
    throw new KubeError('kubeconfig-invalid', `in a pod without the service account's CA (${join(dir, 'ca.crt')}): ${(error as Error).message}`, {
      cause: error,
    });
  });
  const tokenFile = join(dir, 'token');
  const server = new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`);
  return apiServer(
    server,
    async (request) => {
      const token = (
        await readFile(tokenFile, 'utf8').catch((error: unknown) => {
          throw new KubeError('kubeconfig-invalid', `cannot read the service account token ${tokenFile}: ${(error as Error).message}`, { cause: error });
        })
      ).trim();
      request.ca = ca;
      request.headers = { ...request.headers, Authorization: `Bearer ${token}` };
    },
    timeoutMs,
  );
}

function apiServer(server: URL, authorize: Authorize, timeoutMs: number): ApiServer {
  const prefix = server.pathname.replace(/\/$/, '');
  const send = server.protocol === 'https:' ? httpsRequest : httpRequest;
  return {
    server: server.origin + prefix,
    async get(path, signal) {
      const request: RequestOptions = { method: 'GET', headers: { Accept: 'application/json' }, signal };
      await authorize(request);
      return new Promise<IncomingMessage>((resolve, reject) => {
        // A server that takes the connection and never answers (or a route that drops it) is an error
        // after a while, as client-node's 30 s, not the operating system's minutes.
        const timer = setTimeout(() => req.destroy(new KubeError('timeout', `GET ${path}: no answer within ${timeoutMs} ms`)), timeoutMs);
        const req = send(new URL(prefix + path, server), request, (res) => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(res);
          textOf(res).then((body) => reject(new KubeError('http-status', statusMessage(body) ?? (body.slice(0, 200) || `GET ${path}`), { status })), reject);
        });
        req.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        req.end();
      });
    },
  };
}

/** The whole body of a response as text. */
export async function textOf(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
