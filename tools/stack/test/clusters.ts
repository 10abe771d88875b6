// The clusters the system tests run against, from one table of cases: kube-sim (the fast default) and a
// real etcd + kube-apiserver (tools/control-plane), each seeded with the demo cluster.
import { findControlPlaneBinaries, startControlPlane, type ControlPlane } from '@halo/control-plane';
import { defaultManifests, startStack, type Stack, type StackOptions } from '../src/index.ts';

export interface ClusterUnderTest {
  name: 'kube-sim' | 'kube-apiserver';
  /** Why its cases are skipped (and how to get what they need), if they are. */
  skip: string | null;
  /** The stack against this cluster; `plane` is the real control plane, when it is one. */
  start(options?: StackOptions): Promise<{ stack: Stack; plane: ControlPlane | null; stop(): Promise<void> }>;
}

const binaries = findControlPlaneBinaries();

export const kubeSim: ClusterUnderTest = {
  name: 'kube-sim',
  skip: null,
  async start(options = {}) {
    const stack = await startStack(options);
    return { stack, plane: null, stop: () => stack.stop() };
  },
};

export const kubeApiserver: ClusterUnderTest = {
  name: 'kube-apiserver',
  skip: binaries.ok ? null : binaries.message,
  async start(options = {}) {
    const plane = await startControlPlane();
    try {
      await plane.kubectl(['create', '-f', defaultManifests]);
      const stack = await startStack({ ...options, cluster: { kubeconfig: plane.kubeconfig } });
      return {
        stack,
        plane,
        stop: async () => {
          await stack.stop();
          await plane.stop();
        },
      };
    } catch (error) {
      await plane.stop();
      throw error;
    }
  },
};

/** Says once, in the test output, which cluster's cases are skipped and why. */
export function announceSkips(clusters: ClusterUnderTest[], file: string): void {
  for (const c of clusters) if (c.skip) console.warn(`${file}: the ${c.name} cases are skipped: ${c.skip}`);
}
