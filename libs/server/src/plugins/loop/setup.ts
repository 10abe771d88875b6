// loop: detects a forwarding loop by sending its own probe through the server at start.
import type { PluginSetup } from '../../types.ts';
import { noMore } from '../args.ts';
import { loopHandler } from './handler.ts';

export const plugin: PluginSetup = {
  name: 'loop',
  once: true,
  setup(d, ctx) {
    const errors = noMore('loop', d, 0);
    if (errors.length > 0) return errors;
    const zone = ctx.serverBlock.addresses[0]?.zone ?? '.';
    const fatal = ctx.shared.fatal?.bind(ctx.shared);
    return loopHandler(zone, { logger: ctx.shared.logger, listening: ctx.listening, fatal });
  },
};
