// What a plugin imports: the contract types (see types.ts).
export type * from './types.ts';
