// Name rewrite rules, pure: does a rule match a question name, and to what does it rewrite it.
import type { NameRegex, RegexMatch } from '../regex.ts';

export { compileRegex } from '../regex.ts';

export type MatchType = 'exact' | 'prefix' | 'suffix' | 'substring' | 'regex';

export interface AnswerRule {
  /** 'name' rewrites owner names, 'value' the names inside data (CNAME, PTR, NS, DNAME, MX, SRV). */
  field: 'name' | 'value';
  from: NameRegex;
  to: string;
}

export interface NameRule {
  mode: 'stop' | 'continue';
  match: MatchType;
  /** Lowercase, no trailing dot (for regex: the pattern, matched against the lowercase name WITH a trailing dot). */
  from: string;
  to: string;
  regex: NameRegex | null;
  answers: AnswerRule[];
}

/** `{1}` → group 1 of the match, as CoreDNS's regex rules write it. */
export function substitute(template: string, groups: RegexMatch): string {
  return template.replace(/\{([0-9])\}/g, (_m, n: string) => groups[Number(n)] ?? '');
}

/** The rewritten name (lowercase, no trailing dot), or null when the rule does not match. */
export function rewriteName(rule: NameRule, name: string): string | null {
  switch (rule.match) {
    case 'exact':
      return name === rule.from ? rule.to : null;
    case 'prefix':
      return name.startsWith(rule.from) ? rule.to + name.slice(rule.from.length) : null;
    case 'suffix':
      return name.endsWith(rule.from) ? name.slice(0, name.length - rule.from.length) + rule.to : null;
    case 'substring':
      return name.includes(rule.from) ? name.split(rule.from).join(rule.to) : null;
    case 'regex': {
      const m = rule.regex?.exec(`${name}.`);
      return m ? substitute(rule.to, m).replace(/\.$/, '').toLowerCase() : null;
    }
  }
}

/** Applies `answer name|value FROM TO` to one name (matched with a trailing dot, as in CoreDNS). */
export function rewriteAnswerName(rule: AnswerRule, name: string): string | null {
  const fqdn = name.endsWith('.') ? name : `${name}.`;
  const m = rule.from.exec(fqdn.toLowerCase());
  return m ? substitute(rule.to, m).replace(/\.$/, '') : null;
}
