export { startControlPlane } from './control-plane.ts';
export type { ControlPlane, ControlPlaneOptions } from './control-plane.ts';
export { findControlPlaneBinaries, howToBuild } from './binaries.ts';
export type { BinariesResult, ControlPlaneBinaries } from './binaries.ts';
export { kubeconfigText } from './kubeconfig.ts';
export type { KubeconfigContext } from './kubeconfig.ts';
export { ControlPlaneError } from './errors.ts';
