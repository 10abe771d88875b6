// prometheus [ADDRESS]
import { Registry } from 'prom-client';
import type { PluginSetup } from '../../types.ts';
import { serverMetrics } from '../../metrics.ts';
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
    const registry = ctx.shared.metrics ?? new Registry();
    return prometheusHandler(listen, {
      scope: ctx.scope,
      registry,
      metricsText: ctx.shared.metricsText?.bind(ctx.shared),
      pluginEnabled: serverMetrics(registry).pluginEnabled,
      zones: ctx.serverBlock.addresses.map((a) => a.zone),
      blockHandlers: ctx.blockHandlers,
      listening: ctx.listening,
    });
  },
};
