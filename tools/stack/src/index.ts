export { startStack, defaultManifests, type Stack, type StackOptions, type StackProcess, type PodsMode } from './stack.ts';
