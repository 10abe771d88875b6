// A small subset of Go's text/template, enough for CoreDNS template answers:
// {{ .Name }} {{ .Zone }} {{ .Class }} {{ .Type }} {{ .Remote }} {{ .Group.NAME }} {{ index .Match N }} {{ .Match.N }}

export interface TemplateData {
  /** The question name with a trailing dot, as asked. */
  Name: string;
  /** The matched zone, with a trailing dot. */
  Zone: string;
  Class: string;
  Type: string;
  /** The client's address. */
  Remote: string;
  /** Group 0 is the whole match. */
  Match: string[];
  Group: Record<string, string>;
}

type Piece = { text: string } | { field: 'Name' | 'Zone' | 'Class' | 'Type' | 'Remote' } | { group: string } | { match: number };
export type Template = Piece[];

const actionRe = /\{\{-?\s*(.*?)\s*-?\}\}/g;

/** Compiles a template, or says which action it does not understand. */
export function compileTemplate(text: string): Template | string {
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of text.matchAll(actionRe)) {
    if (m.index > last) pieces.push({ text: text.slice(last, m.index) });
    last = m.index + m[0].length;
    const action = m[1];
    let g: RegExpExecArray | null;
    if (/^\.(Name|Zone|Class|Type|Remote)$/.test(action)) pieces.push({ field: action.slice(1) as 'Name' });
    else if ((g = /^\.Group\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(action))) pieces.push({ group: g[1] });
    else if ((g = /^index \.Match ([0-9]+)$/.exec(action)) || (g = /^\.Match\.([0-9]+)$/.exec(action))) pieces.push({ match: Number(g[1]) });
    else return `unsupported template action "{{ ${action} }}" (supported: .Name .Zone .Class .Type .Remote .Group.NAME, index .Match N)`;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  if (pieces.some((p) => 'text' in p && p.text.includes('{{'))) return `unclosed "{{" in "${text}"`;
  return pieces;
}

export function render(t: Template, data: TemplateData): string {
  return t
    .map((p) => {
      if ('text' in p) return p.text;
      if ('field' in p) return data[p.field];
      if ('group' in p) return data.Group[p.group] ?? '';
      return data.Match[p.match] ?? '';
    })
    .join('');
}
