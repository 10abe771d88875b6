// Imported first by main.ts: replaces the process once with the answerer's V8 flags (see v8-flags.ts).
import { reexecWithV8Flags } from '@halo/cli';
import { answererV8Flags } from './v8-flags.ts';

reexecWithV8Flags(answererV8Flags);
