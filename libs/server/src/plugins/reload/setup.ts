// reload [INTERVAL] [JITTER]: accepted; the config service applies Corefile changes live.
import type { PluginSetup } from '../../types.ts';
import { errorAt, noMore, parseDurationMs } from '../args.ts';

export const plugin: PluginSetup = {
  name: 'reload',
  once: true,
  setup(d) {
    const errors = noMore('reload', d, 2);
    for (const a of d.args.slice(0, 2)) {
      const ms = parseDurationMs(a.text);
      if (ms === null) errors.push(errorAt('reload', a, `"${a.text}" is not a duration`));
      else if (a === d.args[0] && ms < 2000) errors.push(errorAt('reload', a, 'interval must be at least 2s'));
    }
    if (errors.length > 0) return errors;
    return { name: 'reload', transparent: true, serve: (req, next) => next(req) };
  },
};
