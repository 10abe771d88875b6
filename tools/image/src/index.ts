export { APPS, BundleError, bundleApps, rewriteAssetReferences } from './bundle.ts';
export type { AppName, BundleOptions, BundleResult } from './bundle.ts';
