// loadbalance [round_robin]
import type { PluginSetup } from '../../types.ts';
import { errorAt, noMore } from '../args.ts';
import { loadbalanceHandler } from './handler.ts';

export const plugin: PluginSetup = {
  name: 'loadbalance',
  once: true,
  setup(d) {
    const errors = noMore('loadbalance', d, 1);
    const policy = d.args[0];
    if (policy && policy.text !== 'round_robin') errors.push(errorAt('loadbalance', policy, `unknown policy "${policy.text}" (only round_robin)`));
    if (errors.length > 0) return errors;
    return loadbalanceHandler(Math.random);
  },
};
