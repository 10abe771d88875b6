// log [NAMES...] [FORMAT] { class CLASSES... }
import type { PluginSetup } from '../../types.ts';
import { errorAt } from '../args.ts';
import { logHandler } from './handler.ts';

const classes = new Set(['all', 'success', 'denial', 'error']);

export const plugin: PluginSetup = {
  name: 'log',
  setup(d, ctx) {
    const errors = [];
    for (const sub of d.block ?? []) {
      if (sub.name !== 'class') {
        errors.push(errorAt('log', sub, `unknown property "${sub.name}"`));
        continue;
      }
      for (const c of sub.args) if (!classes.has(c.text)) errors.push(errorAt('log', c, `unknown class "${c.text}"`));
    }
    if (errors.length > 0) return errors;
    const names = d.args.filter((a) => !a.text.includes('{')).map((a) => a.text.toLowerCase().replace(/\.$/, '') || '.');
    return logHandler(names.length > 0 ? names : ['.'], ctx.shared.logger);
  },
};
