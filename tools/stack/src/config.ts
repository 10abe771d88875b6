// What `npm start -- [options]` asks for, or why not.
import { parsePort, readFlags, type ConfigResult } from '@halo/cli';
import type { PodsMode, StackOptions } from './stack.ts';

export const usage = `Usage: npm start -- [options]
  --manifests FILE                    seed kube-sim from this YAML instead of the demo cluster
  --kube-port N                       kube-sim's port (default 16443)
  --dns-port N                        the answerer pool's port (default 1053)
  --cache-port N                      the node cache's port (default 1054)
  --config-port N                     the config service's API and page (default 18080)
  --pods insecure|verified|disabled   the kubernetes plugin's pods mode (default insecure)
  env HALO_CONFIG_TOKEN               the config service's write token (default: generated and printed)`;

const podsModes: readonly PodsMode[] = ['insecure', 'verified', 'disabled'];

export type StackConfig = Pick<StackOptions, 'manifests' | 'kubePort' | 'dnsPort' | 'cachePort' | 'configPort' | 'pods'>;

export function readConfig(argv: string[]): ConfigResult<StackConfig> {
  const flags = readFlags(
    argv,
    {
      manifests: { type: 'string' },
      'kube-port': { type: 'string', default: '16443' },
      'dns-port': { type: 'string', default: '1053' },
      'cache-port': { type: 'string', default: '1054' },
      'config-port': { type: 'string', default: '18080' },
      pods: { type: 'string', default: 'insecure' },
    },
    usage,
  );
  if (!flags.ok) return flags;
  const v = flags.values;
  const ports: number[] = [];
  for (const flag of ['kube-port', 'dns-port', 'cache-port', 'config-port'] as const) {
    const port = parsePort(v[flag], `--${flag}`, { min: 1 });
    if (!port.ok) return port;
    ports.push(port.value);
  }
  const pods = podsModes.find((m) => m === v.pods);
  if (pods === undefined) return { ok: false, message: `--pods: must be insecure, verified or disabled, not ${v.pods}` };
  const [kubePort, dnsPort, cachePort, configPort] = ports as [number, number, number, number];
  return { ok: true, config: { manifests: v.manifests, kubePort, dnsPort, cachePort, configPort, pods } };
}
