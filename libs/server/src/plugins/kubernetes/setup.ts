// kubernetes [ZONES...] { pods insecure|verified|disabled; fallthrough [ZONES...]; ttl N; namespaces NS...;
//   labels EXPR; namespace_labels EXPR; ignore empty_service; noendpoints; endpoint_pod_names; and, accepted but without
//   effect here (the watcher talks to the API), kubeconfig, endpoint, tls, resyncperiod, startup_timeout }
import { normalizeZone, type CorefileError, type Token } from '@halo/corefile';
import { defaultZoneOptions, validateZoneOptions, type ZoneOptions } from '@halo/zone';
import type { PluginSetup } from '../../types.ts';
import { errorAt } from '../args.ts';
import { kubernetesHandler } from './handler.ts';

const P = 'kubernetes';

/** Options about reaching the API server: the watcher's concern, harmless to accept here. */
const accepted = new Set(['kubeconfig', 'endpoint', 'tls', 'resyncperiod', 'startup_timeout', 'upstream', 'multicluster']);

function zonesOf(tokens: Token[], errors: CorefileError[]): string[] {
  const zones: string[] = [];
  for (const t of tokens) {
    const z = normalizeZone(t.text);
    if (typeof z === 'string') zones.push(z);
    else errors.push(errorAt(P, t, `"${t.text}" is not a zone: ${z.reason}`));
  }
  return zones;
}

export const plugin: PluginSetup = {
  name: P,
  once: true,
  setup(d, ctx) {
    const errors: CorefileError[] = [];
    // Without arguments, the zones of the server block; the root cannot be a cluster zone.
    const zones = d.args.length > 0 ? zonesOf(d.args, errors) : ctx.serverBlock.addresses.map((a) => a.zone).filter((z) => z !== '.');
    if (zones.length === 0 && errors.length === 0)
      errors.push(errorAt(P, d, 'name the cluster zones (e.g. kubernetes cluster.local in-addr.arpa ip6.arpa): the server block is the root zone'));
    const options: ZoneOptions = defaultZoneOptions({ zones: [...new Set(zones)] });
    let fallthrough: string[] | null = null;
    for (const sub of d.block ?? []) {
      const args = sub.args;
      const one = (): Token | null => {
        if (args.length === 1) return args[0];
        errors.push(errorAt(P, sub, `${sub.name} takes exactly one argument`));
        return null;
      };
      switch (sub.name) {
        case 'pods': {
          const t = one();
          if (!t) break;
          if (t.text === 'insecure' || t.text === 'verified' || t.text === 'disabled') options.pods = t.text;
          else errors.push(errorAt(P, t, `pods must be insecure, verified or disabled, not "${t.text}"`));
          break;
        }
        case 'fallthrough':
          fallthrough = args.length === 0 ? ['.'] : zonesOf(args, errors);
          break;
        case 'ttl': {
          const t = one();
          if (!t) break;
          const n = Number(t.text);
          if (!/^[0-9]+$/.test(t.text) || n > 3600) errors.push(errorAt(P, t, `ttl must be an integer from 0 to 3600, not "${t.text}"`));
          else options.ttl = n;
          break;
        }
        case 'namespaces':
          if (args.length === 0) errors.push(errorAt(P, sub, 'namespaces needs at least one namespace'));
          options.namespaces = args.map((a) => a.text);
          break;
        case 'labels':
          if (args.length === 0) errors.push(errorAt(P, sub, 'labels needs a selector'));
          options.labels = args.map((a) => a.text).join(' ');
          break;
        case 'namespace_labels':
          if (args.length === 0) errors.push(errorAt(P, sub, 'namespace_labels needs a selector'));
          options.namespaceLabels = args.map((a) => a.text).join(' ');
          break;
        case 'ignore': {
          const t = one();
          if (t && t.text !== 'empty_service') errors.push(errorAt(P, t, `unknown ignore option "${t.text}" (only empty_service)`));
          else if (t) options.ignoreEmptyService = true;
          break;
        }
        case 'noendpoints':
          if (args.length > 0) errors.push(errorAt(P, args[0], 'noendpoints takes no argument'));
          options.noEndpoints = true;
          break;
        case 'endpoint_pod_names':
          if (args.length > 0) errors.push(errorAt(P, args[0], 'endpoint_pod_names takes no argument'));
          options.endpointPodNames = true;
          break;
        default:
          if (accepted.has(sub.name)) break;
          errors.push(errorAt(P, sub, `unknown property "${sub.name}"`));
      }
    }
    // ns.dns.<zone> answers the addresses the embedding app gives (the answerer: --ns-address or its pod IPs).
    const nsAddresses = ctx.shared.nsAddresses;
    if (nsAddresses) options.nsAddresses = nsAddresses.map((ip) => ip.toLowerCase());
    if (errors.length === 0) {
      const invalid = validateZoneOptions(options);
      if (invalid) errors.push(errorAt(P, d, invalid.message.replace(/^kubernetes: /, '')));
    }
    if (errors.length > 0) return errors;
    const handler = kubernetesHandler(options, { fallthrough, source: ctx.shared.recordSets, scope: ctx.scope, invalidate: ctx.invalidate });
    return handler;
  },
};
