// Validation for the config service: every plugin and argument known and valid, nothing started.
import type { CorefileError } from '@halo/corefile';
import { buildConfig, closeConfig } from './config.ts';

export function validateCorefile(text: string, file = 'Corefile'): CorefileError[] {
  const built = buildConfig(text, { file, shared: {}, invalidate: () => undefined });
  if (!built.ok) return built.errors;
  // Setup starts nothing (ports bind in start()), but plugins may hold timers or subscriptions.
  void closeConfig(built.config);
  return [];
}
