// loop: detects a forwarding loop (our own probe coming back to us more than twice).
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
    return loopHandler(zone, ctx.shared.logger);
  },
};
