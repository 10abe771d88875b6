// acl [ZONES...] { ACTION [type QTYPE...] [net SOURCE...] }   ACTION: allow, block, filter, drop
import net from 'node:net';
import type { CorefileError, Directive, Token } from '@halo/corefile';
import type { PluginSetup, SetupContext } from '../../plugin.ts';
import { errorAt, zonesOf } from '../args.ts';
import { AclHandler, type AclAction, type AclConfig, type AclRule } from './handler.ts';
import { aclMetrics } from './metrics.ts';

const actions: AclAction[] = ['allow', 'block', 'filter', 'drop'];

/** `10.0.0.0/8`, `fd00::/8`, or one address (a /32 or /128). */
function addSource(list: net.BlockList, tok: Token): string | null {
  const [address, bitsText, ...rest] = tok.text.split('/');
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0) return `"${tok.text}" is not an IP address or CIDR`;
  const max = family === 4 ? 32 : 128;
  if (bitsText !== undefined && (!/^[0-9]{1,3}$/.test(bitsText) || Number(bitsText) > max)) return `"${tok.text}" has a bad prefix length (0 to ${max})`;
  list.addSubnet(address, bitsText === undefined ? max : Number(bitsText), family === 4 ? 'ipv4' : 'ipv6');
  return null;
}

export function parseAcl(d: Directive, ctx: Pick<SetupContext, 'serverBlock'>): AclConfig | CorefileError[] {
  const errors: CorefileError[] = [];
  const zones = d.args.length > 0 ? zonesOf('acl', d.args, errors) : ctx.serverBlock.addresses.map((a) => a.zone);
  const rules: AclRule[] = [];
  if (!d.block || d.block.length === 0) errors.push(errorAt('acl', d, 'needs at least one rule, e.g. acl { allow net 10.244.0.0/16; block }'));
  for (const line of d.block ?? []) {
    if (!actions.includes(line.name as AclAction)) {
      errors.push(errorAt('acl', line, `unknown action "${line.name}" (expected ${actions.join(', ')})`));
      continue;
    }
    const rule: AclRule = { action: line.name as AclAction, types: [], sources: null };
    let mode: 'type' | 'net' | null = null;
    for (const tok of line.args) {
      if (tok.text === 'type' || tok.text === 'net') {
        mode = tok.text;
        continue;
      }
      if (mode === null) {
        errors.push(errorAt('acl', tok, `unexpected "${tok.text}": write "type QTYPE..." or "net SOURCE..."`));
        break;
      }
      if (mode === 'type') {
        if (tok.text !== '*') rule.types.push(tok.text.toUpperCase());
        continue;
      }
      if (tok.text === '*') continue;
      rule.sources ??= new net.BlockList();
      const bad = addSource(rule.sources, tok);
      if (bad) errors.push(errorAt('acl', tok, bad));
    }
    if (line.block) errors.push(errorAt('acl', line, 'a rule takes no block'));
    rules.push(rule);
  }
  if (errors.length > 0) return errors;
  const first = ctx.serverBlock.addresses[0];
  return { zones: zones.length > 0 ? zones : ['.'], rules, server: `dns://:${first?.port ?? 53}` };
}

export const plugin: PluginSetup = {
  name: 'acl',
  setup(d, ctx) {
    const config = parseAcl(d, ctx);
    if (Array.isArray(config)) return config;
    return new AclHandler(config, aclMetrics(ctx.shared.metrics));
  },
};
