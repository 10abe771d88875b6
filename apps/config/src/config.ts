// The config service's configuration: flags first, then environment, then defaults.
import { parseNatsServers, parsePort, readFlags, type ConfigResult } from '@halo/cli';

export interface ConfigServiceConfig {
  nats: string[];
  host: string;
  port: number;
  adminHost: string;
  adminPort: number;
  kubeServer?: string;
  kubeconfig?: string;
  /** Watch the extra-config ConfigMaps in kube-system. */
  watchConfigMaps: boolean;
  tokensFile?: string;
  /** `namespace/name` of a Secret holding tokens. */
  tokensSecret?: string;
  /** A write token from the environment (HALO_CONFIG_TOKEN), named `operator`. */
  token?: string;
  clusterZone: string;
}

export const usage = `Usage: halo-config [options]
  --nats URL[,URL]         NATS servers (env NATS_URL, default nats://127.0.0.1:4222)
  --host HOST              API address (default 0.0.0.0)
  --port N                 API port (default 18080)
  --admin-host HOST        admin address (default 0.0.0.0)
  --admin-port N           admin port for /healthz, /readyz, /metrics (default 8082; 0 picks a free one)
  --kube-server URL        Kubernetes API server for the extra-config ConfigMaps (default: kubeconfig, in-cluster)
  --kubeconfig FILE        kubeconfig file (env KUBECONFIG)
  --no-configmaps          do not watch ConfigMaps
  --tokens FILE            tokens file: a YAML list of { name, token, role: read|write }
  --tokens-secret NS/NAME  a Secret whose keys are <role>.<name> and values the tokens
  --cluster-zone NAME      the cluster domain fragments may not serve (default cluster.local)
  env HALO_CONFIG_TOKEN    one more write token, named operator`;

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): ConfigResult<ConfigServiceConfig> {
  const flags = readFlags(
    argv,
    {
      nats: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'admin-host': { type: 'string' },
      'admin-port': { type: 'string' },
      'kube-server': { type: 'string' },
      kubeconfig: { type: 'string' },
      'no-configmaps': { type: 'boolean' },
      tokens: { type: 'string' },
      'tokens-secret': { type: 'string' },
      'cluster-zone': { type: 'string' },
    },
    usage,
  );
  if (!flags.ok) return flags;
  const { values } = flags;
  const nats = parseNatsServers(values.nats ?? env.NATS_URL ?? 'nats://127.0.0.1:4222', '--nats');
  if (!nats.ok) return nats;
  const port = parsePort(values.port ?? '18080', '--port');
  if (!port.ok) return port;
  const adminPort = parsePort(values['admin-port'] ?? '8082', '--admin-port');
  if (!adminPort.ok) return adminPort;
  if (values['tokens-secret'] && !/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(values['tokens-secret'])) {
    return { ok: false, message: '--tokens-secret: give NAMESPACE/NAME' };
  }
  const token = env.HALO_CONFIG_TOKEN?.trim() || undefined;
  if (!values.tokens && !values['tokens-secret'] && !token) {
    return { ok: false, message: 'no tokens: give --tokens FILE, --tokens-secret NS/NAME or HALO_CONFIG_TOKEN' };
  }
  return {
    ok: true,
    config: {
      nats: nats.value,
      host: values.host ?? '0.0.0.0',
      port: port.value,
      adminHost: values['admin-host'] ?? '0.0.0.0',
      adminPort: adminPort.value,
      kubeServer: values['kube-server'],
      kubeconfig: values.kubeconfig ?? env.KUBECONFIG,
      watchConfigMaps: !values['no-configmaps'],
      tokensFile: values.tokens,
      tokensSecret: values['tokens-secret'],
      token,
      clusterZone: (values['cluster-zone'] ?? 'cluster.local').toLowerCase().replace(/\.$/, ''),
    },
  };
}
