// Asks two DNS servers the same questions, one after the other, and collects where they differ.
import { query, type DnsServerAddress } from '@halo/testing';
import { compareResponses, type CompareOptions, type Difference, type Response } from './diff.ts';
import type { Question } from './questions.ts';

export interface Outcome {
  question: Question;
  ours: Response | { error: string };
  theirs?: Response | { error: string };
  differences: Difference[];
}

export interface AskOptions extends CompareOptions {
  tcp?: boolean;
  /** The EDNS(0) payload size advertised (default 1232); 0 sends no OPT record. */
  edns?: number;
  timeoutMs?: number;
}

async function ask(server: DnsServerAddress, q: Question, options: AskOptions): Promise<Response | { error: string }> {
  const edns = options.edns ?? 1232;
  try {
    return await query(server, q.name, q.type, { tcp: options.tcp, edns: edns > 0 ? edns : undefined, timeoutMs: options.timeoutMs ?? 3_000 });
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const failed = (r: Response | { error: string }): r is { error: string } => 'error' in r;

export async function compareServers(
  questions: readonly Question[],
  ours: DnsServerAddress,
  theirs: DnsServerAddress | undefined,
  options: AskOptions = {},
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const question of questions) {
    const a = await ask(ours, question, options);
    if (!theirs) {
      outcomes.push({ question, ours: a, differences: [] });
      continue;
    }
    const b = await ask(theirs, question, options);
    let differences: Difference[];
    if (failed(a) || failed(b)) {
      differences = failed(a) && failed(b) ? [] : [{ what: 'answered', ours: failed(a) ? a.error : 'yes', theirs: failed(b) ? b.error : 'yes' }];
    } else {
      differences = compareResponses(a, b, options);
    }
    outcomes.push({ question, ours: a, theirs: b, differences });
  }
  return outcomes;
}
