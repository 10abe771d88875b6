// Validation for the config service: every plugin and argument known and valid, nothing started.
import type { CorefileError } from '@halo/corefile';
import { buildConfig, closeConfig } from './config.ts';
import { ServerScope } from './scope.ts';
import type { PluginSetup } from './types.ts';

export interface ValidateOptions {
  /** Text from someone who may not read this machine's environment or files (a fragment): see parseCorefile. */
  untrusted?: boolean;
}

/** Validates with these plugins (index.ts's validateCorefile gives the registry). */
export function validateCorefileWith(plugins: readonly PluginSetup[], text: string, file = 'Corefile', options: ValidateOptions = {}): CorefileError[] {
  const built = buildConfig(text, { file, shared: {}, scope: new ServerScope(), plugins, invalidate: () => undefined, untrusted: options.untrusted });
  if (!built.ok) return built.errors;
  // Setup starts nothing (ports bind in start()), but plugins may hold timers or subscriptions.
  void closeConfig(built.config);
  return [];
}
