// ready [ADDRESS]
import type { PluginSetup } from '../../types.ts';
import { noMore, parseHostPort } from '../args.ts';
import { readyHandler } from './handler.ts';

export const plugin: PluginSetup = {
  name: 'ready',
  once: true,
  setup(d, ctx) {
    const errors = noMore('ready', d, 1);
    // No host in the Corefile: where the instance binds its admin endpoints (--admin-host).
    const host = ctx.shared.httpHost ?? '0.0.0.0';
    let listen = { host, port: 8181 };
    if (d.args[0]) {
      const parsed = parseHostPort('ready', d.args[0], 8181, host);
      if ('message' in parsed) errors.push(parsed);
      else listen = parsed;
    }
    if (errors.length > 0) return errors;
    return readyHandler(listen, () => ctx.handlers?.() ?? [], ctx.scope.http);
  },
};
