// The cluster the stack watches: the kube-sim it starts, or one the user names by kubeconfig or URL.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadKubeConfig, type KubeConfigOptions } from '@halo/kube';

/** A cluster to watch instead of kube-sim: a kubeconfig (and one of its contexts), or an API server URL. */
export type ClusterOption = { kubeconfig: string; context?: string } | { server: string };

export interface ClusterAccess {
  /** What every app is told (as --kube-server or --kubeconfig), and what a test loads. */
  kube: KubeConfigOptions;
  /** The API server's URL, to show. */
  url: string;
}

/**
 * How the apps reach the named cluster. A context other than the file's current one is written as a
 * kubeconfig of its own into `workDir` (client-node made its file paths absolute), since the apps read
 * the current context of the file they are given.
 */
export async function clusterAccess(cluster: ClusterOption, workDir: string): Promise<ClusterAccess> {
  // loadKubeConfig refuses a configuration without a current cluster.
  if ('server' in cluster) {
    const kc = loadKubeConfig({ kubeServer: cluster.server });
    return { kube: { kubeServer: cluster.server }, url: kc.getCurrentCluster()?.server ?? cluster.server };
  }
  const kc = loadKubeConfig({ kubeconfig: cluster.kubeconfig });
  if (cluster.context === undefined || cluster.context === kc.getCurrentContext()) {
    return { kube: { kubeconfig: cluster.kubeconfig }, url: kc.getCurrentCluster()?.server ?? '' };
  }
  if (!kc.getContextObject(cluster.context)) {
    const names = kc.getContexts().map((c) => c.name);
    throw new Error(`--context: ${cluster.kubeconfig} has no context ${cluster.context} (it has ${names.join(', ') || 'none'})`);
  }
  kc.setCurrentContext(cluster.context);
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(`--context: the context ${cluster.context} of ${cluster.kubeconfig} names no cluster`);
  const file = join(workDir, 'kubeconfig');
  // It may hold credentials: only this user reads it, and it goes with the stack's folder.
  await writeFile(file, kc.exportConfig(), { mode: 0o600 });
  return { kube: { kubeconfig: file }, url: server };
}
