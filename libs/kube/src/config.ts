import { KubeConfig } from '@kubernetes/client-node';
import { KubeError } from './errors.ts';

export interface KubeConfigOptions {
  /** An API server URL (plain http allowed, for kube-sim); wins over everything else. */
  kubeServer?: string;
  /** A kubeconfig file; else KUBECONFIG, in-cluster, ~/.kube/config. */
  kubeconfig?: string;
}

/** Where the Kubernetes API is: --kube-server URL > kubeconfig file / KUBECONFIG > in-cluster > default. */
export function loadKubeConfig(options: KubeConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (options.kubeServer) {
      const url = new URL(options.kubeServer);
      // client-node 2.0.1 refuses http:// unless skipTLSVerify is set (there is no TLS to verify then).
      // An https:// server is verified against the system CAs.
      kc.loadFromOptions({
        clusters: [{ name: 'halo', server: url.toString().replace(/\/$/, ''), skipTLSVerify: url.protocol === 'http:' }],
        users: [{ name: 'halo' }],
        contexts: [{ name: 'halo', cluster: 'halo', user: 'halo' }],
        currentContext: 'halo',
      });
    } else if (options.kubeconfig) {
      kc.loadFromFile(options.kubeconfig);
    } else if (env.KUBECONFIG) {
      kc.loadFromDefault();
    } else if (env.KUBERNETES_SERVICE_HOST) {
      kc.loadFromCluster();
    } else {
      kc.loadFromDefault();
    }
  } catch (error) {
    const source = options.kubeServer ?? options.kubeconfig ?? env.KUBECONFIG ?? 'the default kubeconfig';
    throw new KubeError('kubeconfig-invalid', `cannot load the Kubernetes configuration from ${source}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeError('kubeconfig-invalid', 'the Kubernetes configuration names no cluster: pass --kube-server or a kubeconfig');
  }
  return kc;
}
