// template CLASS TYPE [ZONE...] { match REGEX...; answer RR; additional RR; authority RR; rcode CODE; fallthrough [ZONE...] }
import type { CorefileError, Directive } from '@halo/corefile';
import type { PluginSetup, Rcode, SetupContext } from '../../plugin.ts';
import { compileRegex } from '../regex.ts';
import { errorAt, zonesOf } from '../args.ts';
import type { NameRegex } from '../regex.ts';
import { TemplateHandler, type TemplateConfig, type TemplateSection } from './handler.ts';
import { templateMetrics } from './metrics.ts';
import { parseRecord } from './record.ts';
import { compileTemplate, render } from './render.ts';

const classes = ['IN', 'CH', 'HS', 'CS', 'ANY'];
const types = ['A', 'AAAA', 'CNAME', 'PTR', 'NS', 'DNAME', 'TXT', 'MX', 'SRV', 'SOA', 'HTTPS', 'SVCB', 'CAA', 'NAPTR', 'DS', 'DNSKEY', 'ANY'];
const rcodes: Rcode[] = ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'FORMERR', 'NOTIMP'];

function fail(at: { pos: { file: string; line: number; column: number } }, message: string): CorefileError {
  return errorAt('template', at, message);
}

export function parseTemplate(d: Directive, ctx: Pick<SetupContext, 'serverBlock'>): TemplateConfig | CorefileError[] {
  const errors: CorefileError[] = [];
  const [classTok, typeTok, ...zoneToks] = d.args;
  if (!classTok || !typeTok) return [fail(d, 'needs CLASS and TYPE, e.g. "template IN A example.org"')];
  if (!classes.includes(classTok.text.toUpperCase())) errors.push(fail(classTok, `"${classTok.text}" is not a class (${classes.join(', ')})`));
  if (!types.includes(typeTok.text.toUpperCase())) errors.push(fail(typeTok, `"${typeTok.text}" is not a record type this server knows`));
  const zones = zoneToks.length > 0 ? zonesOf('template', zoneToks, errors) : ctx.serverBlock.addresses.map((a) => a.zone);
  const first = ctx.serverBlock.addresses[0];
  const config: TemplateConfig = {
    qclass: classTok.text.toUpperCase(),
    qtype: typeTok.text.toUpperCase(),
    zones: zones.length > 0 ? zones : ['.'],
    match: [],
    records: [],
    rcode: 'NOERROR',
    fallthrough: null,
    server: `dns://:${first?.port ?? 53}`,
  };
  for (const o of d.block ?? []) {
    switch (o.name) {
      case 'match':
        if (o.args.length === 0) errors.push(fail(o, 'match needs at least one regex'));
        for (const a of o.args) {
          const re = compileRegex(a.text);
          if (typeof re === 'string') errors.push(fail(a, `bad regex "${a.text}": ${re}`));
          else config.match.push(re);
        }
        break;
      case 'answer':
      case 'additional':
      case 'authority':
        if (o.args.length === 0) errors.push(fail(o, `${o.name} needs a record, e.g. ${o.name} "{{ .Name }} 60 IN A 10.0.0.1"`));
        for (const a of o.args) {
          const t = compileTemplate(a.text);
          if (typeof t === 'string') {
            errors.push(fail(a, t));
            continue;
          }
          // Render with stand-in values to catch records that can never parse, at setup rather than per query.
          const sample = parseRecord(
            render(t, {
              Name: 'example.',
              Zone: 'example.',
              Class: 'IN',
              Type: 'A',
              Remote: '127.0.0.1',
              Match: Array<string>(10).fill('1'),
              Group: new Proxy({}, { get: () => '1' }),
            }),
          );
          if (typeof sample === 'string') errors.push(fail(a, sample));
          else config.records.push({ section: o.name as TemplateSection['section'], source: a.text, template: t });
        }
        break;
      case 'rcode': {
        const code = o.args[0]?.text.toUpperCase() as Rcode | undefined;
        if (o.args.length !== 1 || !code || !rcodes.includes(code)) errors.push(fail(o.args[0] ?? o, `rcode is one of ${rcodes.join(', ')}`));
        else config.rcode = code;
        break;
      }
      case 'fallthrough':
        config.fallthrough = zonesOf('template', o.args, errors);
        break;
      default:
        errors.push(fail(o, `unknown option "${o.name}" (expected match, answer, additional, authority, rcode, fallthrough)`));
    }
  }
  if (config.match.length === 0) config.match.push(compileRegex('.*') as NameRegex);
  return errors.length > 0 ? errors : config;
}

export const plugin: PluginSetup = {
  name: 'template',
  setup(d, ctx) {
    const config = parseTemplate(d, ctx);
    if (Array.isArray(config)) return config;
    return new TemplateHandler(config, templateMetrics(ctx.shared.metrics), ctx.shared.logger);
  },
};
