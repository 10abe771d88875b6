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
  ServerContext,
  SetupContext,
} from './types.ts';
export type { DnsServer, LoadOptions } from './server.ts';
export type { ListenSpec } from './config.ts';
export { loadServer } from './server.ts';
export { validateCorefile, type ValidateOptions } from './validate.ts';
export { plugins } from './plugins.ts';
export { runChain } from './config.ts';
