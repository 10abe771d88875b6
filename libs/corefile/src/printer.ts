// Text that parses back to the same tree (positions aside): one directive per line, blocks indented.
import type { Corefile, Directive } from './types.ts';

/** A token as Corefile text: quoted when it would otherwise split, vanish, or read as a brace or comment. */
export function quoteToken(text: string): string {
  const plain = text !== '' && text !== '{' && text !== '}' && !/[\s"#]/.test(text) && !text.startsWith('"') && !/^\((.+)\)$/.test(text);
  if (plain) return text;
  return `"${text.replace(/\\(?=["\\]|$)|"/g, (m) => `\\${m}`)}"`;
}

function printDirectives(directives: Directive[], indent: string): string[] {
  const lines: string[] = [];
  for (const d of directives) {
    const head = [quoteToken(d.name), ...d.args.map((a) => quoteToken(a.text))].join(' ');
    if (d.block === null) {
      lines.push(indent + head);
    } else {
      lines.push(`${indent}${head} {`);
      lines.push(...printDirectives(d.block, indent + '    '));
      lines.push(`${indent}}`);
    }
  }
  return lines;
}

export function printCorefile(corefile: Corefile): string {
  return corefile.blocks
    .map((b) => [`${b.keys.map((k) => quoteToken(k.text)).join(' ')} {`, ...printDirectives(b.directives, '    '), '}'].join('\n'))
    .join('\n\n')
    .concat('\n');
}
