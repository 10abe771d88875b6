// The questions file: `name type` a line; `#` starts a comment; blank lines are skipped.

export interface Question {
  name: string;
  type: string;
  /** 1-based line in the file, for messages. */
  line: number;
}

export interface QuestionsError {
  code: 'bad-question';
  message: string;
  line: number;
}

const knownTypes = new Set(['A', 'AAAA', 'SRV', 'PTR', 'CNAME', 'TXT', 'SOA', 'NS', 'MX', 'ANY', 'CAA', 'HINFO', 'NAPTR']);

export function parseQuestions(text: string, source = 'questions'): { ok: true; questions: Question[] } | { ok: false; errors: QuestionsError[] } {
  const questions: Question[] = [];
  const errors: QuestionsError[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/#.*/, '').trim();
    if (content === '') return;
    const fields = content.split(/\s+/);
    if (fields.length !== 2) {
      errors.push({ code: 'bad-question', line, message: `${source}:${line}: expected "name type", got "${content}"` });
      return;
    }
    const [name, rawType] = fields;
    const type = rawType.toUpperCase();
    if (!knownTypes.has(type)) {
      errors.push({ code: 'bad-question', line, message: `${source}:${line}: unknown type "${rawType}" (one of ${[...knownTypes].join(', ')})` });
      return;
    }
    questions.push({ name, type, line });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, questions };
}
