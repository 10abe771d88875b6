// errors { consolidate DURATION REGEXP [LEVEL]; stacktrace }
import type { PluginSetup } from '../../types.ts';
import { errorAt, noMore } from '../args.ts';
import { errorsHandler } from './handler.ts';

export const plugin: PluginSetup = {
  name: 'errors',
  once: true,
  setup(d, ctx) {
    const errors = noMore('errors', d, 0, true);
    for (const sub of d.block ?? []) {
      if (sub.name === 'consolidate' && sub.args.length >= 2 && sub.args.length <= 3) continue;
      if (sub.name === 'stacktrace' && sub.args.length === 0) continue;
      errors.push(errorAt('errors', sub, `unknown or malformed property "${sub.name}"`));
    }
    if (errors.length > 0) return errors;
    return errorsHandler(ctx.shared.logger);
  },
};
