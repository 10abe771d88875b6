export { startStack, defaultManifests, kubeadmCorefile, type Stack, type StackOptions, type StackProcess, type PodsMode } from './stack.ts';
