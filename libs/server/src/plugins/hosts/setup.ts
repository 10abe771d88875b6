// hosts [FILE [ZONES...]] { [INLINE...]; ttl SECONDS; no_reverse; reload DURATION; fallthrough [ZONES...] }
import net from 'node:net';
import { normalizeZone, type CorefileError, type Directive } from '@halo/corefile';
import type { PluginSetup, SetupContext } from '../../plugin.ts';
import { errorAt, parseDurationMs as parseDuration, zonesOf } from '../args.ts';
import { HostsHandler, type HostsConfig } from './handler.ts';
import { hostsMetrics } from './metrics.ts';

function fail(at: { pos: { file: string; line: number; column: number } }, message: string): CorefileError {
  return errorAt('hosts', at, message);
}

export function parseHosts(d: Directive, ctx: Pick<SetupContext, 'serverBlock'>): HostsConfig | CorefileError[] {
  const errors: CorefileError[] = [];
  const zones = d.args.length > 1 ? zonesOf('hosts', d.args.slice(1), errors) : ctx.serverBlock.addresses.map((a) => a.zone);
  const config: HostsConfig = {
    file: d.args[0]?.text ?? '/etc/hosts',
    zones: zones.length > 0 ? zones : ['.'],
    inline: [],
    ttl: 3600,
    noReverse: false,
    reloadMs: 5000,
    fallthrough: null,
  };
  for (const o of d.block ?? []) {
    if (net.isIP(o.name.replace(/%.*$/, '')) !== 0) {
      if (o.args.length === 0) errors.push(fail(o, `inline entry "${o.name}" needs at least one name`));
      for (const a of o.args) {
        const z = normalizeZone(a.text);
        if (typeof z !== 'string' || z === '.') errors.push(fail(a, `"${a.text}" is not a host name`));
      }
      config.inline.push({ ip: o.name, names: o.args.map((a) => a.text) });
      continue;
    }
    switch (o.name) {
      case 'ttl': {
        const t = o.args[0];
        if (o.args.length !== 1 || !/^[0-9]+$/.test(t.text) || Number(t.text) < 1 || Number(t.text) > 2147483647)
          errors.push(fail(t ?? o, 'ttl needs one number of seconds from 1 to 2147483647'));
        else config.ttl = Number(t.text);
        break;
      }
      case 'no_reverse':
        if (o.args.length > 0) errors.push(fail(o.args[0], 'no_reverse takes no arguments'));
        config.noReverse = true;
        break;
      case 'reload': {
        const ms = o.args.length === 1 ? parseDuration(o.args[0].text) : null;
        if (ms === null) errors.push(fail(o.args[0] ?? o, 'reload needs one duration, e.g. "reload 5s" ("reload 0" turns it off)'));
        else config.reloadMs = ms;
        break;
      }
      case 'fallthrough':
        config.fallthrough = zonesOf('hosts', o.args, errors);
        break;
      default:
        errors.push(fail(o, `unknown option "${o.name}" (expected an inline entry "IP NAME...", ttl, no_reverse, reload or fallthrough)`));
    }
  }
  return errors.length > 0 ? errors : config;
}

export const plugin: PluginSetup = {
  name: 'hosts',
  once: true,
  setup(d, ctx) {
    const config = parseHosts(d, ctx);
    if (Array.isArray(config)) return config;
    const handler = new HostsHandler(config, hostsMetrics(ctx.shared.metrics), ctx.shared.logger, ctx.invalidate);
    ctx.onClose(() => handler.close());
    return handler;
  },
};
