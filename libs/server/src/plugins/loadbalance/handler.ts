// Shuffles A, AAAA and MX records of an answer; CNAMEs stay first. Returns a new response when it
// shuffles, so the server keeps shuffled answers off the fast path.
import type { Answer } from 'dns-packet';
import type { DnsResponse, Handler } from '../../types.ts';

const shuffled = new Set(['A', 'AAAA', 'MX']);

export function shuffleAnswers(answers: readonly Answer[], random: () => number): Answer[] | null {
  const movable = answers.filter((a) => shuffled.has(a.type));
  if (movable.length < 2) return null;
  for (let i = movable.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [movable[i], movable[j]] = [movable[j], movable[i]];
  }
  const out: Answer[] = [];
  let k = 0;
  for (const a of answers) out.push(shuffled.has(a.type) ? movable[k++] : a);
  return out;
}

export function loadbalanceHandler(random: () => number): Handler {
  return {
    name: 'loadbalance',
    // The core shuffles its pre-encoded copies as this would.
    transparent: true,
    shufflesAnswers: true,
    async serve(req, next): Promise<DnsResponse> {
      const res = await next(req);
      const answers = shuffleAnswers(res.answers, random);
      return answers ? { ...res, answers } : res;
    },
  };
}
