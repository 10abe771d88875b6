// Rewrites the question name before the rest of the chain sees it, and the answer's names back after,
// so the client finds its own question in the answer.
import type { Answer } from 'dns-packet';
import type { DnsRequest, DnsResponse, Handler, Next } from '../../plugin.ts';
import { rewriteAnswerName, rewriteName, type AnswerRule, type NameRule } from './rule.ts';

// A request rewritten by a `stop` rule: later rewrite directives leave it alone (CoreDNS's stop mode).
const stopped = new WeakSet<DnsRequest>();

function sameName(a: string, b: string): boolean {
  return a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

function rewriteValue(a: Answer, rules: AnswerRule[]): Answer {
  const apply = (name: string): string => {
    for (const r of rules) {
      const out = rewriteAnswerName(r, name);
      if (out !== null) return out;
    }
    return name;
  };
  switch (a.type) {
    case 'CNAME':
    case 'PTR':
    case 'NS':
    case 'DNAME':
      return { ...a, data: apply(a.data) };
    case 'MX':
      return { ...a, data: { ...a.data, exchange: apply(a.data.exchange) } };
    case 'SRV':
      return { ...a, data: { ...a.data, target: apply(a.data.target) } };
    default:
      return a;
  }
}

/** The answer's names as the client asked: the rewritten qname back to the original, then `answer` rules. */
export function revertAnswers(records: Answer[], original: string, rewritten: string, rules: AnswerRule[]): Answer[] {
  const nameRules = rules.filter((r) => r.field === 'name');
  const valueRules = rules.filter((r) => r.field === 'value');
  return records.map((a) => {
    let out: Answer = a;
    if (sameName(a.name, rewritten)) out = { ...out, name: original };
    else {
      for (const r of nameRules) {
        const name = rewriteAnswerName(r, a.name);
        if (name !== null) {
          out = { ...out, name };
          break;
        }
      }
    }
    return valueRules.length > 0 ? rewriteValue(out, valueRules) : out;
  });
}

export class RewriteHandler implements Handler {
  readonly name = 'rewrite';
  readonly rule: NameRule;

  constructor(rule: NameRule) {
    this.rule = rule;
  }

  async serve(req: DnsRequest, next: Next): Promise<DnsResponse> {
    if (stopped.has(req)) return next(req);
    const to = rewriteName(this.rule, req.qnameLower);
    if (to === null || to === req.qnameLower) return next(req);
    const [question, ...others] = req.query.questions ?? [];
    const rewritten: DnsRequest = {
      ...req,
      qname: to,
      qnameLower: to,
      query: { ...req.query, questions: question ? [{ ...question, name: to }, ...others] : others },
    };
    if (this.rule.mode === 'stop') stopped.add(rewritten);
    const res = await next(rewritten);
    return {
      ...res,
      answers: revertAnswers(res.answers, req.qname, to, this.rule.answers),
      authorities: revertAnswers(res.authorities, req.qname, to, []),
      additionals: revertAnswers(res.additionals, req.qname, to, this.rule.answers),
    };
  }
}
