export type { Corefile, CorefileError, Directive, ParseOptions, ParseResult, Position, ServerAddress, ServerBlock, Token } from './types.ts';
export { parseCorefile } from './parser.ts';
export { parseServerKey, normalizeZone, reverseZones } from './address.ts';
export { kubeadmCorefile } from './well-known.ts';
