export {
  validateFragment,
  validateComposition,
  composeCorefile,
  corefileZones,
  fragmentZones,
  fragmentFile,
  fragmentPlugins,
  type FragmentText,
  type Target,
  type ValidationOptions,
} from './fragments.ts';
export { defaultNetworks, parseCidr, type ClusterNetworks } from './networks.ts';
