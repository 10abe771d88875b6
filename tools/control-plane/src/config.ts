// What `node tools/control-plane/src/main.ts [options]` asks for, or why not.
import { parsePort, readFlags, type ConfigResult } from '@halo/cli';

export const usage = `Usage: node tools/control-plane/src/main.ts [options]
  --kubeconfig FILE   write the admin's kubeconfig here too (default: only in the data folder, printed)
  --port N            kube-apiserver's port on 127.0.0.1 (default a free one)
  --seed FILE         create the objects of this YAML once it is ready (repeatable; e.g. deploy/examples/demo-cluster.yaml)`;

export interface ControlPlaneConfig {
  kubeconfig?: string;
  port?: number;
  seeds: string[];
}

export function readConfig(argv: string[]): ConfigResult<ControlPlaneConfig> {
  const flags = readFlags(argv, { kubeconfig: { type: 'string' }, port: { type: 'string' }, seed: { type: 'string', multiple: true } }, usage);
  if (!flags.ok) return flags;
  const { values } = flags;
  let port: number | undefined;
  if (values.port !== undefined) {
    const parsed = parsePort(values.port, '--port', { min: 1 });
    if (!parsed.ok) return parsed;
    port = parsed.value;
  }
  return { ok: true, config: { kubeconfig: values.kubeconfig, port, seeds: values.seed ?? [] } };
}
