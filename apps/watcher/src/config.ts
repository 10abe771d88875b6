// The watcher's configuration: flags first, then environment, then defaults. Read once, in one place.
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';

export interface WatcherConfig {
  nats: string[];
  kubeServer?: string;
  kubeconfig?: string;
  /** The cluster domain the published names are under. */
  zone: string;
  /** Watch Pods too (for `pods verified` in the answerers). */
  watchPods: boolean;
  adminHost: string;
  adminPort: number;
  leaseNamespace: string;
  leaseName: string;
  leaseDurationSeconds: number;
  identity: string;
}

export const usage = `Usage: halo-watcher [options]
  --nats URL[,URL]          NATS servers (env NATS_URL, default nats://127.0.0.1:4222)
  --kube-server URL         Kubernetes API server URL (default: kubeconfig, then in-cluster)
  --kubeconfig FILE         kubeconfig file (env KUBECONFIG)
  --zone NAME               cluster domain (default cluster.local)
  --watch-pods              watch Pods as well, for \`pods verified\`
  --admin-host HOST         admin address (default 0.0.0.0)
  --admin-port N            admin port for /healthz, /readyz, /metrics (default 8080)
  --lease-namespace NS      namespace of the leader Lease (env POD_NAMESPACE, default kube-system)
  --lease-name NAME         name of the leader Lease (default halo-watcher)
  --lease-duration SECONDS  lease duration (default 15)
  --identity ID             this replica's identity (env POD_NAME, default the host name and PID)`;

export type ConfigResult = { ok: true; config: WatcherConfig } | { ok: false; message: string };

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): ConfigResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        nats: { type: 'string' },
        'kube-server': { type: 'string' },
        kubeconfig: { type: 'string' },
        zone: { type: 'string' },
        'watch-pods': { type: 'boolean' },
        'admin-host': { type: 'string' },
        'admin-port': { type: 'string' },
        'lease-namespace': { type: 'string' },
        'lease-name': { type: 'string' },
        'lease-duration': { type: 'string' },
        identity: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { ok: false, message: `${(err as Error).message}\n${usage}` };
  }
  if (values.help) return { ok: false, message: usage };
  const adminPort = Number(values['admin-port'] ?? env.ADMIN_PORT ?? 8080);
  const leaseDurationSeconds = Number(values['lease-duration'] ?? 15);
  if (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) return { ok: false, message: `--admin-port: not a port: ${values['admin-port']}` };
  if (!Number.isFinite(leaseDurationSeconds) || leaseDurationSeconds < 1) return { ok: false, message: `--lease-duration: must be at least 1 second` };
  const zone = (values.zone ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
  return {
    ok: true,
    config: {
      nats: (values.nats ?? env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim()).filter(Boolean),
      kubeServer: values['kube-server'],
      kubeconfig: values.kubeconfig ?? env.KUBECONFIG,
      zone,
      watchPods: values['watch-pods'] ?? false,
      adminHost: values['admin-host'] ?? '0.0.0.0',
      adminPort,
      leaseNamespace: values['lease-namespace'] ?? env.POD_NAMESPACE ?? 'kube-system',
      leaseName: values['lease-name'] ?? 'halo-watcher',
      leaseDurationSeconds,
      identity: values.identity ?? env.POD_NAME ?? `${hostname()}-${process.pid}`,
    },
  };
}
