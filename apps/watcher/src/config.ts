// The watcher's configuration: flags first, then environment, then defaults. Read once, in one place.
import { hostname } from 'node:os';
import { busFlags, busUsage, readBusFlags, parseNatsServers, parsePort, readFlags, type BusFlagsConfig, type ConfigResult } from '@halo/cli';

export interface WatcherConfig {
  nats: string[];
  /** Bucket replicas and the NATS user, password file and CA (`--bus-replicas`, `--nats-user`, …). */
  bus: BusFlagsConfig;
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
  /** Lead at once, without a Lease: one replica that writes nothing to the cluster (a read-only look at it). */
  leaderElection: boolean;
  identity: string;
}

export const usage = `Usage: halo-watcher [options]
  --nats URL[,URL]          NATS servers (env NATS_URL, default nats://127.0.0.1:4222)
${busUsage}
  --kube-server URL         Kubernetes API server URL (default: kubeconfig, then in-cluster)
  --kubeconfig FILE         kubeconfig file (env KUBECONFIG)
  --zone NAME               cluster domain (default cluster.local)
  --watch-pods              watch Pods as well, for \`pods verified\`
  --admin-host HOST         admin address (default 0.0.0.0)
  --admin-port N            admin port for /healthz, /readyz, /metrics (default 8080)
  --lease-namespace NS      namespace of the leader Lease (env POD_NAMESPACE, default kube-system)
  --lease-name NAME         name of the leader Lease (default halo-watcher)
  --lease-duration SECONDS  lease duration (default 15)
  --no-leader-election      lead at once without a Lease: one replica, nothing written to the cluster
  --identity ID             this replica's identity (env POD_NAME, default the host name and PID)`;

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): ConfigResult<WatcherConfig> {
  const flags = readFlags(
    argv,
    {
      nats: { type: 'string' },
      ...busFlags,
      'kube-server': { type: 'string' },
      kubeconfig: { type: 'string' },
      zone: { type: 'string' },
      'watch-pods': { type: 'boolean' },
      'admin-host': { type: 'string' },
      'admin-port': { type: 'string' },
      'lease-namespace': { type: 'string' },
      'lease-name': { type: 'string' },
      'lease-duration': { type: 'string' },
      'no-leader-election': { type: 'boolean' },
      identity: { type: 'string' },
    },
    usage,
  );
  if (!flags.ok) return flags;
  const { values } = flags;
  const nats = parseNatsServers(values.nats ?? env.NATS_URL ?? 'nats://127.0.0.1:4222', '--nats');
  if (!nats.ok) return nats;
  const bus = readBusFlags(values, env);
  if (!bus.ok) return bus;
  const adminPort = parsePort(values['admin-port'] ?? env.ADMIN_PORT ?? '8080', '--admin-port');
  if (!adminPort.ok) return adminPort;
  const leaseDurationSeconds = Number(values['lease-duration'] ?? 15);
  if (!Number.isFinite(leaseDurationSeconds) || leaseDurationSeconds < 1) return { ok: false, message: `--lease-duration: must be at least 1 second` };
  const zone = (values.zone ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
  return {
    ok: true,
    config: {
      nats: nats.value,
      bus: bus.value,
      kubeServer: values['kube-server'],
      kubeconfig: values.kubeconfig ?? env.KUBECONFIG,
      zone,
      watchPods: values['watch-pods'] ?? false,
      adminHost: values['admin-host'] ?? '0.0.0.0',
      adminPort: adminPort.value,
      leaseNamespace: values['lease-namespace'] ?? env.POD_NAMESPACE ?? 'kube-system',
      leaseName: values['lease-name'] ?? 'halo-watcher',
      leaseDurationSeconds,
      leaderElection: values['no-leader-election'] !== true,
      identity: values.identity ?? env.POD_NAME ?? `${hostname()}-${process.pid}`,
    },
  };
}
