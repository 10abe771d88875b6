export { validateFragment, composeCorefile, fragmentZones, fragmentFile, fragmentPlugins, type FragmentText, type Target, type ValidationOptions } from './fragments.ts';
