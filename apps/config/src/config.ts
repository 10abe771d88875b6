// The config service's configuration: flags first, then environment, then defaults.
import { readFileSync } from 'node:fs';
import { busFlags, busUsage, readBusFlags, parseNatsServers, parsePort, readFlags, splitList, type BusFlagsConfig, type ConfigResult } from '@halo/cli';
import { kubeadmCorefile } from '@halo/corefile';
import { corefileZones, defaultNetworks, parseCidr, type ClusterNetworks } from '@halo/fragments';

export interface ConfigServiceConfig {
  nats: string[];
  /** Bucket replicas and the NATS user, password file and CA (`--bus-replicas`, `--nats-user`, …). */
  bus: BusFlagsConfig;
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
  /** The Service, Pod and node ranges fragments may not reach. */
  networks: ClusterNetworks;
  /** The zones each target's own Corefile serves; fragments may not claim them. */
  ownZones: { answerer: string[]; 'node-cache': string[] };
}

/**
 * The zones of the node cache's generated Corefile (apps/node-cache/src/corefile.ts): the cluster and
 * reverse zones, the root and the name its guard asks.
 */
export const nodeCacheZones = (clusterZone: string): string[] => [clusterZone, 'in-addr.arpa', 'ip6.arpa', '.', 'node-cache.halo.invalid'];

export const usage = `Usage: halo-config [options]
  --nats URL[,URL]         NATS servers (env NATS_URL, default nats://127.0.0.1:4222)
${busUsage}
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
  --service-cidr CIDR[,..] Service ranges: no fragment serves their reverse zones (default 10.96.0.0/12)
  --pod-cidr CIDR[,..]     Pod ranges: likewise (default 10.244.0.0/16)
  --node-cidr CIDR[,..]    the nodes' addresses: no fragment forwards there (default none)
  --answerer-corefile FILE the answerers' own Corefile: fragments may not claim its zones (default kubeadm's)
  --node-cache-corefile FILE  the node caches' own Corefile (default: the one they generate)
  env HALO_CONFIG_TOKEN    one more write token, named operator`;

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): ConfigResult<ConfigServiceConfig> {
  const flags = readFlags(
    argv,
    {
      nats: { type: 'string' },
      ...busFlags,
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
      'service-cidr': { type: 'string' },
      'pod-cidr': { type: 'string' },
      'node-cidr': { type: 'string' },
      'answerer-corefile': { type: 'string' },
      'node-cache-corefile': { type: 'string' },
    },
    usage,
  );
  if (!flags.ok) return flags;
  const { values } = flags;
  const nats = parseNatsServers(values.nats ?? env.NATS_URL ?? 'nats://127.0.0.1:4222', '--nats');
  if (!nats.ok) return nats;
  const bus = readBusFlags(values, env);
  if (!bus.ok) return bus;
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
  const networks: ClusterNetworks = { ...defaultNetworks };
  for (const [flag, key] of [
    ['service-cidr', 'services'],
    ['pod-cidr', 'pods'],
    ['node-cidr', 'nodes'],
  ] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    const cidrs = splitList(text);
    const bad = cidrs.map(parseCidr).find((c) => typeof c === 'string');
    if (bad !== undefined) return { ok: false, message: `--${flag}: ${bad}` };
    networks[key] = cidrs;
  }
  const clusterZone = (values['cluster-zone'] ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
  const kubeadm = corefileZones(kubeadmCorefile);
  const ownZones = { answerer: kubeadm.ok ? kubeadm.zones : ['.'], 'node-cache': nodeCacheZones(clusterZone) };
  for (const [flag, target] of [
    ['answerer-corefile', 'answerer'],
    ['node-cache-corefile', 'node-cache'],
  ] as const) {
    const path = values[flag];
    if (path === undefined) continue;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      return { ok: false, message: `--${flag}: cannot read ${path}: ${(err as Error).message}` };
    }
    const zones = corefileZones(text, path);
    if (!zones.ok) return { ok: false, message: `--${flag}: ${zones.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('; ')}` };
    ownZones[target] = zones.zones;
  }
  return {
    ok: true,
    config: {
      nats: nats.value,
      bus: bus.value,
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
      clusterZone,
      networks,
      ownZones,
    },
  };
}
