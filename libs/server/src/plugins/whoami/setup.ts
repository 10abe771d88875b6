// whoami: answers with the client's address and port.
import type { PluginSetup } from '../../types.ts';
import { noMore } from '../args.ts';
import { whoamiHandler } from './handler.ts';

export const plugin: PluginSetup = {
  name: 'whoami',
  once: true,
  setup(d) {
    const errors = noMore('whoami', d, 0);
    return errors.length > 0 ? errors : whoamiHandler();
  },
};
