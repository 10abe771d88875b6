// The regular expressions of `template` and `rewrite`: Go's RE2 syntax (what CoreDNS users write, named
// groups `(?P<name>…)` included) run by an RE2 engine, so matching a name takes time linear in its length
// whatever the pattern. A backtracking engine let one query with `^(a+)+$` stall a server for seconds.
import { RE2JS } from 're2js';

/** Group 0 is the whole match; a group that took no part is undefined. */
export type RegexMatch = (string | undefined)[] & { groups?: Record<string, string | undefined> };

export interface NameRegex {
  readonly source: string;
  exec(input: string): RegexMatch | null;
}

/** Compiles RE2 syntax, or says why it is not a regular expression RE2 takes (backreferences, lookaround). */
export function compileRegex(source: string): NameRegex | string {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return {
    source,
    exec: (input) => re.exec(input) as RegexMatch | null,
  };
}
