// The config service's configuration: flags first, then environment, then defaults.
import { parseArgs } from 'node:util';

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

export type ConfigResult = { ok: true; config: ConfigServiceConfig } | { ok: false; message: string };

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): ConfigResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
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
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { ok: false, message: `${(err as Error).message}\n${usage}` };
  }
  if (values.help) return { ok: false, message: usage };
  const port = Number(values.port ?? 18080);
  const adminPort = Number(values['admin-port'] ?? 8082);
  for (const [flag, n] of [['--port', port], ['--admin-port', adminPort]] as const) {
    if (!Number.isInteger(n) || n < 0 || n > 65535) return { ok: false, message: `${flag}: not a port` };
  }
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
      nats: (values.nats ?? env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim()).filter(Boolean),
      host: values.host ?? '0.0.0.0',
      port,
      adminHost: values['admin-host'] ?? '0.0.0.0',
      adminPort,
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
