// prometheus [ADDRESS]
import { Registry } from 'prom-client';
import type { PluginSetup } from '../../types.ts';
import { noMore, parseHostPort } from '../args.ts';
import { prometheusHandler } from './handler.ts';

export const plugin: PluginSetup = {
  name: 'prometheus',
  once: true,
  setup(d, ctx) {
    const errors = noMore('prometheus', d, 1);
    // No host in the Corefile: where the instance binds its admin endpoints (--admin-host).
    const host = ctx.shared.httpHost ?? '0.0.0.0';
    let listen = { host, port: 9153 };
    if (d.args[0]) {
      const parsed = parseHostPort('prometheus', d.args[0], 9153, host);
      if ('message' in parsed) errors.push(parsed);
      else listen = parsed;
    }
    if (errors.length > 0) return errors;
    return prometheusHandler(listen, ctx.shared.metrics ?? new Registry());
  },
};
