// health [ADDRESS] { lameduck DURATION }
import type { PluginSetup } from '../../types.ts';
import { errorAt, noMore, parseDurationMs, parseHostPort } from '../args.ts';
import { healthHandler } from './handler.ts';

export const plugin: PluginSetup = {
  name: 'health',
  once: true,
  setup(d, ctx) {
    const errors = noMore('health', d, 1, true);
    // No host in the Corefile: where the instance binds its admin endpoints (--admin-host).
    const host = ctx.shared.httpHost ?? '0.0.0.0';
    let listen = { host, port: 8080 };
    if (d.args[0]) {
      const parsed = parseHostPort('health', d.args[0], 8080, host);
      if ('message' in parsed) errors.push(parsed);
      else listen = parsed;
    }
    let lameduckMs = 0;
    for (const sub of d.block ?? []) {
      if (sub.name === 'lameduck' && sub.args.length === 1) {
        const ms = parseDurationMs(sub.args[0].text);
        if (ms === null) errors.push(errorAt('health', sub.args[0], `"${sub.args[0].text}" is not a duration`));
        else lameduckMs = ms;
      } else if (sub.name === 'lameduck') {
        errors.push(errorAt('health', sub, 'lameduck takes one duration'));
      } else {
        errors.push(errorAt('health', sub, `unknown property "${sub.name}"`));
      }
    }
    if (errors.length > 0) return errors;
    return healthHandler(listen, lameduckMs, ctx.scope.http);
  },
};
