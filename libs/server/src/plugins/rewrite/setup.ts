// rewrite [continue|stop] name [exact|prefix|suffix|substring|regex] FROM TO [answer auto | answer name FROM TO | answer value FROM TO]...
import type { CorefileError, Directive, Token } from '@halo/corefile';
import type { PluginSetup } from '../../plugin.ts';
import { RewriteHandler } from './handler.ts';
import { compileRegex, type NameRegex } from '../regex.ts';
import type { AnswerRule, MatchType, NameRule } from './rule.ts';

const matchTypes: MatchType[] = ['exact', 'prefix', 'suffix', 'substring', 'regex'];
const otherFields = ['type', 'class', 'edns0', 'ttl', 'cname', 'rcode'];

function fail(at: { pos: { file: string; line: number; column: number } }, message: string): CorefileError {
  return { file: at.pos.file, line: at.pos.line, column: at.pos.column, message: `rewrite: ${message}` };
}

function plainName(text: string): string {
  return text.toLowerCase().replace(/\.$/, '');
}

export function parseRewrite(d: Directive): NameRule | CorefileError[] {
  const args = d.args;
  let i = 0;
  let mode: NameRule['mode'] = 'stop';
  if (args[i]?.text === 'continue' || args[i]?.text === 'stop') mode = args[i++].text as NameRule['mode'];
  const field = args[i++];
  if (!field) return [fail(d, 'needs a rule, e.g. "rewrite name foo.example.org bar.example.org"')];
  if (field.text !== 'name') {
    const why = otherFields.includes(field.text) ? `the ${field.text} field is not supported yet` : `unknown field "${field.text}"`;
    return [fail(field, `${why}: only "name" rules are supported`)];
  }
  let match: MatchType = 'exact';
  if (matchTypes.includes(args[i]?.text as MatchType) && args.length - i >= 3) match = args[i++].text as MatchType;
  const fromTok: Token | undefined = args[i++];
  const toTok: Token | undefined = args[i++];
  if (!fromTok || !toTok) return [fail(fromTok ?? field, 'a name rule needs FROM and TO')];
  const errors: CorefileError[] = [];
  let regex: NameRegex | null = null;
  if (match === 'regex') {
    const compiled = compileRegex(fromTok.text);
    if (typeof compiled === 'string') errors.push(fail(fromTok, `bad regex "${fromTok.text}": ${compiled}`));
    else regex = compiled;
  }
  const answers: AnswerRule[] = [];
  while (i < args.length) {
    const kw = args[i++];
    if (kw.text !== 'answer') {
      errors.push(fail(kw, `unexpected "${kw.text}": after FROM and TO only "answer auto", "answer name FROM TO" or "answer value FROM TO" may follow`));
      break;
    }
    const kind = args[i++];
    if (kind?.text === 'auto') continue; // answer names are always reverted; auto is the default
    if (kind?.text !== 'name' && kind?.text !== 'value') {
      errors.push(fail(kind ?? kw, 'answer is followed by auto, name FROM TO, or value FROM TO'));
      break;
    }
    const from = args[i++];
    const to = args[i++];
    if (!from || !to) {
      errors.push(fail(kind, `answer ${kind.text} needs FROM and TO`));
      break;
    }
    const re = compileRegex(from.text);
    if (typeof re === 'string') errors.push(fail(from, `bad regex "${from.text}": ${re}`));
    else answers.push({ field: kind.text, from: re, to: to.text });
  }
  if (d.block) errors.push(fail(d, 'takes no block: write one rewrite line per rule'));
  if (errors.length > 0) return errors;
  // A trailing dot marks the root for whole names and suffixes; in a prefix or substring it is a real dot.
  const norm = (t: Token): string => (match === 'regex' ? t.text : match === 'exact' || match === 'suffix' ? plainName(t.text) : t.text.toLowerCase());
  const from = norm(fromTok);
  const to = norm(toTok);
  return { mode, match, from, to, regex, answers };
}

export const plugin: PluginSetup = {
  name: 'rewrite',
  setup(d) {
    const rule = parseRewrite(d);
    return Array.isArray(rule) ? rule : new RewriteHandler(rule);
  },
};
