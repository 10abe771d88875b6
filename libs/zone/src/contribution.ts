// What one record set adds to the zone: its names (relative to the cluster domain) with the data
// each answers, and the reverse names of its addresses. Pure: the index merges these.
import { labelsMatch } from './labels.ts';
import type { LabelSelector } from './labels.ts';
import { isIP } from 'node:net';
import { dashedIP, isDnsLabel, normalizeIP, reverseName } from './names.ts';
import type { RecordSet, ServicePort, ServiceRecordSet, ZoneOptions } from './types.ts';

/** An SRV target: one address of one endpoint (or the Service itself) with the ports it serves. */
export interface SrvTarget {
  /** the target's name relative to the zone, e.g. `pod-0.web.shop.svc` */
  rel: string;
  addrs: readonly string[];
  ports: readonly ServicePort[];
}

/** What one owner (a KV key) puts at one name. A name with no data is an empty non-terminal. */
export interface NameEntry {
  owner: string;
  addrs?: readonly string[];
  srvTargets?: readonly SrvTarget[];
  /** only ports with this name and (lowercase) protocol answer SRV here */
  srvPort?: { name: string; protocol: string };
  cname?: string;
}

export interface PtrEntry {
  owner: string;
  /** relative to the cluster domain */
  target: string;
  /** a ClusterIP's PTR wins over endpoints' (CoreDNS looks at Services first) */
  clusterIP: boolean;
}

export interface Contribution {
  forward: Map<string, NameEntry>;
  reverse: Map<string, PtrEntry>;
  /** the namespace this record set makes exist, if any */
  namespace: string | null;
  /** `<ns>/<normalized ip>` of a Pod, for `pods verified` */
  podKeys: string[];
}

export interface ContributionContext {
  options: ZoneOptions;
  /** the parsed `labels` option; null: no selector */
  selector: LabelSelector | null;
  /** false: leave out the visibility filters (namespaces, labels, ignore empty_service), for namesOf */
  filter: boolean;
}

export function namespaceExposed(options: ZoneOptions, ns: string): boolean {
  const list = options.namespaces;
  return !list || list.length === 0 || list.includes(ns);
}

function empty(): Contribution {
  return { forward: new Map(), reverse: new Map(), namespace: null, podKeys: [] };
}

/** The name CoreDNS gives an endpoint address: hostname, else the pod's name (endpoint_pod_names), else the dashed IP. */
export function endpointHostname(
  endpoint: { hostname?: string; podName?: string },
  address: string,
  endpointPodNames: boolean,
): string {
  if (endpoint.hostname) return endpoint.hostname.toLowerCase();
  // A pod name with dots or over 63 characters is no DNS label: fall back to the address.
  if (endpointPodNames && endpoint.podName && isDnsLabel(endpoint.podName.toLowerCase())) return endpoint.podName.toLowerCase();
  return dashedIP(address);
}

function serviceContribution(owner: string, rs: ServiceRecordSet, ctx: ContributionContext): Contribution {
  const c = empty();
  const { options } = ctx;
  const ns = rs.namespace.toLowerCase();
  if (ctx.filter) {
    if (!namespaceExposed(options, rs.namespace)) return c;
    if (ctx.selector && !labelsMatch(ctx.selector, rs.labels)) return c;
  }
  const svcRel = `${rs.name.toLowerCase()}.${ns}.svc`;
  const put = (rel: string, entry: Omit<NameEntry, 'owner'>): void => {
    const had = c.forward.get(rel);
    c.forward.set(rel, had ? { ...had, ...entry } : { owner, ...entry });
  };

  if (rs.type === 'ExternalName') {
    // CoreDNS serves an ExternalName only when it is a name; an IP there answers nothing.
    if (!rs.externalName || normalizeIP(rs.externalName) !== null) return c;
    put(svcRel, { cname: rs.externalName.toLowerCase() });
    c.namespace = ns;
    return c;
  }

  // One SRV target per endpoint address; endpoints that share a hostname share a name.
  const targets: SrvTarget[] = [];
  const byHostname = new Map<string, { addrs: readonly string[]; targets: SrvTarget[]; shared: boolean }>();
  if (!options.noEndpoints) {
    for (const ep of rs.endpoints) {
      if (!ep.ready && !rs.publishNotReadyAddresses) continue;
      for (const raw of ep.addresses) {
        const addr = raw.toLowerCase();
        // The index tells families apart by a colon: only real addresses go in.
        if (isIP(addr) === 0) continue;
        const rel = `${endpointHostname(ep, addr, options.endpointPodNames)}.${svcRel}`;
        const target: SrvTarget = { rel, addrs: [addr], ports: ep.ports };
        targets.push(target);
        const group = byHostname.get(rel);
        // The usual one address per name shares the target's arrays (100 000 endpoints: that counts).
        if (!group) byHostname.set(rel, { addrs: target.addrs, targets: [target], shared: true });
        else {
          if (group.shared) {
            group.addrs = [...group.addrs];
            group.shared = false;
          }
          if (!group.addrs.includes(addr)) (group.addrs as string[]).push(addr);
          group.targets.push(target);
        }
      }
    }
  }

  let namedPorts: ServicePort[];
  if (rs.type === 'ClusterIP') {
    if (ctx.filter && options.ignoreEmptyService && targets.length === 0) return c;
    const clusterIPs = rs.clusterIPs.filter((ip) => isIP(ip) !== 0);
    const self: SrvTarget = { rel: svcRel, addrs: clusterIPs, ports: rs.ports };
    put(svcRel, { addrs: clusterIPs, srvTargets: [self] });
    namedPorts = rs.ports.filter((p) => p.name !== '');
    for (const p of namedPorts) {
      // CoreDNS answers A/AAAA of `_port._proto.<service>` with the Service's addresses.
      put(`_${p.name}._${p.protocol.toLowerCase()}.${svcRel}`, {
        addrs: clusterIPs,
        srvTargets: [self],
        srvPort: { name: p.name, protocol: p.protocol.toLowerCase() },
      });
    }
    for (const ip of clusterIPs) {
      const r = reverseName(ip);
      if (r) c.reverse.set(r, { owner, target: svcRel, clusterIP: true });
    }
  } else {
    // Headless: without a ready endpoint the name does not exist (NXDOMAIN, as the specification says).
    if (targets.length === 0) return c;
    const addrs = [...new Set(targets.map((t) => t.addrs[0] as string))];
    put(svcRel, { addrs, srvTargets: targets });
    const seen = new Set<string>();
    namedPorts = [];
    for (const t of targets) {
      for (const p of t.ports) {
        const k = `${p.name}/${p.protocol}`;
        if (p.name === '' || seen.has(k)) continue;
        seen.add(k);
        namedPorts.push(p);
        // A/AAAA here: the endpoints that serve this port, as CoreDNS answers them.
        const serving = targets.filter((x) => x.ports.some((q) => q.name === p.name && q.protocol === p.protocol));
        put(`_${p.name}._${p.protocol.toLowerCase()}.${svcRel}`, {
          addrs: [...new Set(serving.map((x) => x.addrs[0] as string))],
          srvTargets: targets,
          srvPort: { name: p.name, protocol: p.protocol.toLowerCase() },
        });
      }
    }
  }
  // `_tcp.web.shop.svc` exists (empty non-terminal) when `_http._tcp.web.shop.svc` does.
  for (const p of namedPorts) {
    const ent = `_${p.protocol.toLowerCase()}.${svcRel}`;
    if (!c.forward.has(ent)) put(ent, {});
  }
  // CoreDNS answers endpoint names of every Service with endpoints, ClusterIP ones included.
  for (const [rel, group] of byHostname) {
    put(rel, { addrs: group.addrs, srvTargets: group.targets });
    for (const addr of group.addrs) {
      const r = reverseName(addr);
      if (r && !c.reverse.has(r)) c.reverse.set(r, { owner, target: rel, clusterIP: false });
    }
  }
  c.namespace = ns;
  return c;
}

export function contributionOf(owner: string, rs: RecordSet, ctx: ContributionContext): Contribution {
  switch (rs.kind) {
    case 'Service':
      return serviceContribution(owner, rs, ctx);
    case 'Namespace': {
      const c = empty();
      if (!ctx.filter || namespaceExposed(ctx.options, rs.name)) c.namespace = rs.name.toLowerCase();
      return c;
    }
    case 'Pod': {
      const c = empty();
      if (ctx.filter && !namespaceExposed(ctx.options, rs.namespace)) return c;
      c.namespace = rs.namespace.toLowerCase();
      for (const ip of rs.ips) {
        const n = normalizeIP(ip);
        if (n) c.podKeys.push(`${c.namespace}/${n}`);
      }
      return c;
    }
  }
}
