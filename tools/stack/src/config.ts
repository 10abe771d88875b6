// What `npm start -- [options]` asks for, or why not.
import { parsePort, parseWholeNumber, readFlags, type ConfigResult, type Parsed } from '@halo/cli';
import type { PodsMode, StackOptions } from './stack.ts';

export const usage = `Usage: npm start -- [options]
  --kubeconfig FILE [--context NAME]  watch this cluster instead of kube-sim (read-only: nothing is written to it)
  --kube-server URL                   or the API server at this URL (e.g. http://127.0.0.1:8001 of \`kubectl proxy\`)
  --manifests FILE                    seed kube-sim from this YAML instead of the demo cluster
  --kube-port N                       kube-sim's port (default 16443)
  --dns-port N                        the answerer pool's port (default 1053)
  --cache-port N                      the node cache's port (default 1054)
  --config-port N                     the config service's API and page (default 18080)
  --pods insecure|verified|disabled   the kubernetes plugin's pods mode (default insecure)
  --nats-nodes N                      NATS servers: 1 (default), or 3 as one JetStream cluster with 3 replicas of every bucket
  --jaeger                            start Jaeger v2 too and send every app's traces to it
  --jaeger-port N                     Jaeger's query API (default 16686)
  env HALO_CONFIG_TOKEN               the config service's write token (default: generated and printed)`;

const podsModes: readonly PodsMode[] = ['insecure', 'verified', 'disabled'];

export type StackConfig = Pick<StackOptions, 'cluster' | 'manifests' | 'kubePort' | 'dnsPort' | 'cachePort' | 'configPort' | 'pods' | 'jaeger' | 'natsNodes'>;

export function readConfig(argv: string[]): ConfigResult<StackConfig> {
  const flags = readFlags(
    argv,
    {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'kube-server': { type: 'string' },
      manifests: { type: 'string' },
      'kube-port': { type: 'string', default: '16443' },
      'dns-port': { type: 'string', default: '1053' },
      'cache-port': { type: 'string', default: '1054' },
      'config-port': { type: 'string', default: '18080' },
      pods: { type: 'string', default: 'insecure' },
      'nats-nodes': { type: 'string', default: '1' },
      jaeger: { type: 'boolean' },
      'jaeger-port': { type: 'string', default: '16686' },
    },
    usage,
  );
  if (!flags.ok) return flags;
  const v = flags.values;
  const cluster = clusterOf(v);
  if (!cluster.ok) return cluster;
  const ports: number[] = [];
  for (const flag of ['kube-port', 'dns-port', 'cache-port', 'config-port'] as const) {
    const port = parsePort(v[flag], `--${flag}`, { min: 1 });
    if (!port.ok) return port;
    ports.push(port.value);
  }
  const pods = podsModes.find((m) => m === v.pods);
  if (pods === undefined) return { ok: false, message: `--pods: must be insecure, verified or disabled, not ${v.pods}` };
  const natsNodes = parseWholeNumber(v['nats-nodes'], '--nats-nodes', { min: 1, max: 5 });
  if (!natsNodes.ok) return natsNodes;
  const jaegerPort = parsePort(v['jaeger-port'], '--jaeger-port', { min: 1 });
  if (!jaegerPort.ok) return jaegerPort;
  const [kubePort, dnsPort, cachePort, configPort] = ports as [number, number, number, number];
  const jaeger = v.jaeger ? { queryPort: jaegerPort.value } : undefined;
  return {
    ok: true,
    config: { cluster: cluster.value, manifests: v.manifests, kubePort, dnsPort, cachePort, configPort, pods, jaeger, natsNodes: natsNodes.value },
  };
}

/** The cluster named by --kubeconfig/--context or --kube-server, if any. */
function clusterOf(v: { kubeconfig?: string; context?: string; 'kube-server'?: string; manifests?: string }): Parsed<StackOptions['cluster']> {
  if (v.kubeconfig !== undefined && v['kube-server'] !== undefined) return { ok: false, message: '--kubeconfig and --kube-server: give one of them' };
  if (v.context !== undefined && v.kubeconfig === undefined) return { ok: false, message: '--context: give the --kubeconfig FILE it is in' };
  if (v['kube-server'] !== undefined) {
    let url: URL;
    try {
      url = new URL(v['kube-server']);
    } catch {
      return { ok: false, message: `--kube-server: not a URL: ${v['kube-server']}` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, message: `--kube-server: http:// or https://, not ${url.protocol}` };
  }
  const cluster =
    v.kubeconfig !== undefined ? { kubeconfig: v.kubeconfig, context: v.context } : v['kube-server'] !== undefined ? { server: v['kube-server'] } : undefined;
  if (cluster && v.manifests !== undefined) return { ok: false, message: '--manifests seeds kube-sim, which does not run when a cluster is given' };
  return { ok: true, value: cluster };
}
