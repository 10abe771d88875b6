// The public API: the server with the registry of plugins wired in, and the contract types plugins import.
// This file is where the core (server.ts, config.ts, validate.ts: they know no plugin) meets the
// ordered plugin list (plugins.ts).
import type { CorefileError } from '@halo/corefile';
import { plugins } from './plugins.ts';
import { loadServerWith, type DnsServer, type LoadOptions } from './server.ts';
import { validateCorefileWith, type ValidateOptions } from './validate.ts';

export type * from './types.ts';
export type {
  CorefileError,
  DnsRequest,
  DnsResponse,
  Handler,
  Logger,
  Next,
  PluginSetup,
  Rcode,
  RecordSetSource,
  RevisionFloor,
  ServerContext,
  SetupContext,
  WireAnswerer,
} from './types.ts';
export type { DnsServer, LoadOptions } from './server.ts';
export type { ListenSpec } from './config.ts';
export type { ValidateOptions } from './validate.ts';
export { ServerScope } from './scope.ts';
export { REVISION_WAIT_MS, type RevisionGate } from './revision-gate.ts';
export { plugins } from './plugins.ts';
export { runChain } from './config.ts';

/** Starts a DNS server for this Corefile with the plugins of `options.plugins`, by default every plugin of src/plugins.ts. */
export function loadServer(corefileText: string, options: LoadOptions): Promise<{ ok: true; server: DnsServer } | { ok: false; errors: CorefileError[] }> {
  return loadServerWith(options.plugins ?? plugins, corefileText, options);
}

/** Every plugin and argument known and valid (the registry's plugins), nothing started. */
export function validateCorefile(text: string, file = 'Corefile', options: ValidateOptions = {}): CorefileError[] {
  return validateCorefileWith(plugins, text, file, options);
}
