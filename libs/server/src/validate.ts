// Validation for the config service: every plugin and argument known and valid, nothing started.
import type { CorefileError } from '@halo/corefile';
import { buildConfig, closeConfig } from './config.ts';

export interface ValidateOptions {
  /** Text from someone who may not read this machine's environment or files (a fragment): see parseCorefile. */
  untrusted?: boolean;
}

export function validateCorefile(text: string, file = 'Corefile', options: ValidateOptions = {}): CorefileError[] {
  const built = buildConfig(text, { file, shared: {}, invalidate: () => undefined, untrusted: options.untrusted });
  if (!built.ok) return built.errors;
  // Setup starts nothing (ports bind in start()), but plugins may hold timers or subscriptions.
  void closeConfig(built.config);
  return [];
}
