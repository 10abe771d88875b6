// rrl [ZONES...] { window SECONDS; ipv4-prefix-length N; ipv6-prefix-length N; responses-per-second N;
//   nodata-per-second N; nxdomains-per-second N; referrals-per-second N; errors-per-second N; slip-ratio N;
//   max-table-size N; report-only }
import type { CorefileError, Directive } from '@halo/corefile';
import type { PluginSetup, SetupContext } from '../../plugin.ts';
import { errorAt, zonesOf } from '../args.ts';
import { RrlHandler, type ResponseKind, type RrlConfig } from './handler.ts';
import { rrlMetrics } from './metrics.ts';

const perKind: Record<string, ResponseKind> = {
  'responses-per-second': 'response',
  'nodata-per-second': 'nodata',
  'nxdomains-per-second': 'nxdomain',
  'referrals-per-second': 'referral',
  'errors-per-second': 'error',
};

export function parseRrl(d: Directive, ctx: Pick<SetupContext, 'serverBlock'>): RrlConfig | CorefileError[] {
  const errors: CorefileError[] = [];
  const zones = d.args.length > 0 ? zonesOf('rrl', d.args, errors) : ctx.serverBlock.addresses.map((a) => a.zone);
  let windowS = 15;
  let ipv4PrefixLength = 24;
  let ipv6PrefixLength = 56;
  let slipRatio = 2;
  let maxTableSize = 100_000;
  let reportOnly = false;
  const given: Partial<Record<ResponseKind, number>> = {};
  for (const o of d.block ?? []) {
    const number = (min: number, max: number): number | null => {
      const t = o.args[0];
      if (o.args.length !== 1 || !/^[0-9]+$/.test(t.text) || Number(t.text) < min || Number(t.text) > max) {
        errors.push(errorAt('rrl', t ?? o, `${o.name} takes one whole number from ${min} to ${max}`));
        return null;
      }
      return Number(t.text);
    };
    if (o.name in perKind) {
      const n = number(0, 1_000_000);
      if (n !== null) given[perKind[o.name]] = n;
      continue;
    }
    switch (o.name) {
      case 'window':
        windowS = number(1, 3600) ?? windowS;
        break;
      case 'ipv4-prefix-length':
        ipv4PrefixLength = number(1, 32) ?? ipv4PrefixLength;
        break;
      case 'ipv6-prefix-length':
        ipv6PrefixLength = number(1, 128) ?? ipv6PrefixLength;
        break;
      case 'slip-ratio':
        slipRatio = number(0, 10) ?? slipRatio;
        break;
      case 'max-table-size':
        maxTableSize = number(1, 10_000_000) ?? maxTableSize;
        break;
      case 'report-only':
        if (o.args.length > 0) errors.push(errorAt('rrl', o.args[0], 'report-only takes no arguments'));
        reportOnly = true;
        break;
      case 'requests-per-second':
        errors.push(errorAt('rrl', o, 'requests-per-second is not supported: rrl limits responses'));
        break;
      default:
        errors.push(errorAt('rrl', o, `unknown property "${o.name}"`));
    }
  }
  const responses = given.response ?? 0;
  const allowances: Record<ResponseKind, number> = {
    response: responses,
    nodata: given.nodata ?? responses,
    nxdomain: given.nxdomain ?? responses,
    referral: given.referral ?? responses,
    error: given.error ?? responses,
  };
  if (Object.values(allowances).every((a) => a === 0))
    errors.push(errorAt('rrl', d, 'limits nothing: give responses-per-second (and the other allowances) above 0'));
  if (errors.length > 0) return errors;
  return { zones: zones.length > 0 ? zones : ['.'], windowS, ipv4PrefixLength, ipv6PrefixLength, allowances, slipRatio, maxTableSize, reportOnly };
}

export const plugin: PluginSetup = {
  name: 'rrl',
  once: true,
  setup(d, ctx) {
    const config = parseRrl(d, ctx);
    if (Array.isArray(config)) return config;
    return new RrlHandler(config, rrlMetrics(ctx.shared.metrics));
  },
};
