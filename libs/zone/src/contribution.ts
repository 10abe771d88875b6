// What one record set adds to the zone: its names (relative to the cluster domain) with the data
// each answers, and the addresses it answers PTR for. Pure: the index merges these.
import { labelsMatch } from './labels.ts';
import type { LabelSelector } from './labels.ts';
import { isIP } from 'node:net';
import { dashedIP, isDnsLabel, normalizeIP } from './names.ts';
import type { RecordSet, ServicePort, ServiceRecordSet, ZoneOptions } from './types.ts';

/** An SRV target: one address of one endpoint (or the Service itself) with the ports it serves. */
export interface SrvTarget {
  /** the target's name relative to the zone, e.g. `pod-0.web.shop.svc` */
  readonly rel: string;
  readonly addrs: readonly string[];
  readonly ports: readonly ServicePort[];
}

/** What one owner (a KV key) puts at one name. A name with no data is an empty non-terminal. */
export interface NameEntry {
  readonly owner: string;
  readonly addrs?: readonly string[];
  readonly srvTargets?: readonly SrvTarget[];
  /** only ports with this name and (lowercase) protocol answer SRV here */
  readonly srvPort?: { name: string; protocol: string };
  readonly cname?: string;
}

export interface PtrEntry {
  readonly owner: string;
  /** the name the address answers PTR with, relative to the cluster domain */
  readonly rel: string;
  /** a ClusterIP's PTR wins over endpoints' (CoreDNS looks at Services first) */
  readonly clusterIP: boolean;
}

/**
 * One address of one endpoint. It is at once its SRV target, the entry of its own name when that name
 * has this one address (the usual case), and its PTR entry: one object where there were five, which
 * counts at 100 000 endpoints. The arrays the other roles read, and its name, are made when a question
 * asks for them.
 */
export class EndpointAddress implements SrvTarget, NameEntry, PtrEntry {
  readonly owner: string;
  /** its Service's name relative to the zone, e.g. `web.shop.svc` */
  readonly svcRel: string;
  /** its first label when it has a name of its own (hostname, pod name); null: named by its address */
  readonly label: string | null;
  readonly addr: string;
  readonly ports: readonly ServicePort[];

  constructor(owner: string, svcRel: string, label: string | null, addr: string, ports: readonly ServicePort[]) {
    this.owner = owner;
    this.svcRel = svcRel;
    this.label = label;
    this.addr = addr;
    this.ports = ports;
  }

  get rel(): string {
    return [this.label ?? dashedIP(this.addr), this.svcRel].join('.');
  }

  get addrs(): readonly string[] {
    return [this.addr];
  }

  get srvTargets(): readonly SrvTarget[] {
    return [this];
  }

  get clusterIP(): boolean {
    return false;
  }
}

export interface Contribution {
  /**
   * Every name but those of endpoint addresses named by their address alone (`10-0-0-1.web.shop.svc`):
   * such a name is found through its address (`reverse`, an EndpointAddress whose `label` is null) where
   * it is the address's entry there, so 80 000 of them cost no name string and no map entry.
   */
  forward: Map<string, NameEntry>;
  /** keyed by address as `addressKey` spells it; the PTR name is `reverseName` of it */
  reverse: Map<string, PtrEntry>;
  /** the namespace this record set makes exist, if any */
  namespace: string | null;
  /** `<ns>/<normalized ip>` of a Pod, for `pods verified` */
  podKeys: string[];
}

/**
 * One spelling per address, for the reverse keys: a valid IPv4 address has one already (Node's isIP
 * takes no leading zeros), so it is kept as it is and shares the record set's string; IPv6 is normalized.
 */
export function addressKey(ip: string): string | null {
  const family = isIP(ip);
  if (family === 4) return ip;
  return family === 6 ? normalizeIP(ip) : null;
}

export interface ContributionContext {
  options: ZoneOptions;
  /** the parsed `labels` option; null: no selector */
  selector: LabelSelector | null;
  /** false: leave out the visibility filters (namespaces, labels, ignore empty_service), for namesOf */
  filter: boolean;
  /** `namespace_labels`: whether the namespace's Namespace object is known and matches; absent: no such filter */
  namespaceMatches?: (namespace: string) => boolean;
}

/** The visibility filters on namespaces: `namespaces` and `namespace_labels`. */
function namespaceVisible(ctx: ContributionContext, namespace: string): boolean {
  return namespaceExposed(ctx.options, namespace) && (ctx.namespaceMatches?.(namespace.toLowerCase()) ?? true);
}

export function namespaceExposed(options: ZoneOptions, ns: string): boolean {
  const list = options.namespaces;
  return !list || list.length === 0 || list.includes(ns);
}

function empty(): Contribution {
  return { forward: new Map(), reverse: new Map(), namespace: null, podKeys: [] };
}

/**
 * The first label CoreDNS names an endpoint address with: hostname, else the pod's name
 * (endpoint_pod_names); null: the dashed IP.
 */
export function endpointLabel(endpoint: { hostname?: string; podName?: string }, endpointPodNames: boolean): string | null {
  if (endpoint.hostname) return endpoint.hostname.toLowerCase();
  // A pod name with dots or over 63 characters is no DNS label: fall back to the address.
  if (endpointPodNames && endpoint.podName && isDnsLabel(endpoint.podName.toLowerCase())) return endpoint.podName.toLowerCase();
  return null;
}

/** The names (relative to the zone) of a contribution: its forward names and those found through addresses. */
export function forwardNamesOf(c: Contribution): string[] {
  const rels = [...c.forward.keys()];
  for (const e of c.reverse.values()) if (e instanceof EndpointAddress && e.label === null) rels.push(e.rel);
  return rels;
}

const lowerProtocols: Readonly<Record<string, string>> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/** The protocol in lowercase, one constant string: toLowerCase makes a copy per SRV name (thousands of "tcp"). */
function lowerProtocol(p: ServicePort): string {
  return lowerProtocols[p.protocol] ?? p.protocol.toLowerCase();
}

/**
 * Names are built with join, which makes one flat string: a template literal makes a rope of the parts
 * (and a copy of the short ones), twice the bytes for names the index keeps by the hundred thousand.
 */
function portName(p: ServicePort, svcRel: string): string {
  return [`_${p.name}`, `_${p.protocol.toLowerCase()}`, svcRel].join('.');
}

function serviceContribution(owner: string, rs: ServiceRecordSet, ctx: ContributionContext): Contribution {
  const c = empty();
  const { options } = ctx;
  const ns = rs.namespace.toLowerCase();
  if (ctx.filter) {
    if (!namespaceVisible(ctx, rs.namespace)) return c;
    if (ctx.selector && !labelsMatch(ctx.selector, rs.labels)) return c;
  }
  const svcRel = [rs.name.toLowerCase(), ns, 'svc'].join('.');
  const put = (rel: string, entry: Omit<NameEntry, 'owner'>): void => {
    const had = c.forward.get(rel);
    // An endpoint's own entry keeps its data in getters, which a spread would not copy.
    const base = had instanceof EndpointAddress ? { owner, addrs: had.addrs, srvTargets: had.srvTargets } : had;
    c.forward.set(rel, base ? { ...base, ...entry } : { owner, ...entry });
  };

  if (rs.type === 'ExternalName') {
    // CoreDNS serves an ExternalName only when it is a name; an IP there answers nothing.
    if (!rs.externalName || normalizeIP(rs.externalName) !== null) return c;
    put(svcRel, { cname: rs.externalName.toLowerCase() });
    c.namespace = ns;
    return c;
  }

  // One SRV target per endpoint address; endpoints that share a hostname share a name.
  const targets: EndpointAddress[] = [];
  const byHostname = new Map<string, EndpointAddress | { addrs: string[]; targets: EndpointAddress[] }>();
  if (!options.noEndpoints) {
    for (const ep of rs.endpoints) {
      if (!ep.ready && !rs.publishNotReadyAddresses) continue;
      for (const raw of ep.addresses) {
        const addr = raw.toLowerCase();
        // The index tells families apart by a colon: only real addresses go in.
        if (isIP(addr) === 0) continue;
        const label = endpointLabel(ep, options.endpointPodNames);
        const target = new EndpointAddress(owner, svcRel, label, addr, ep.ports);
        const rel = target.rel;
        targets.push(target);
        // The usual one address per name is the target itself; a shared name gets a group.
        const group = byHostname.get(rel);
        if (group === undefined) byHostname.set(rel, target);
        else if (group instanceof EndpointAddress) byHostname.set(rel, { addrs: group.addr === addr ? [addr] : [group.addr, addr], targets: [group, target] });
        else {
          if (!group.addrs.includes(addr)) group.addrs.push(addr);
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
    // One list for the Service's name and each of its ports' names: it is never changed.
    const selfTargets: readonly SrvTarget[] = [self];
    put(svcRel, { addrs: clusterIPs, srvTargets: selfTargets });
    namedPorts = rs.ports.filter((p) => p.name !== '');
    for (const p of namedPorts) {
      // CoreDNS answers A/AAAA of `_port._proto.<service>` with the Service's addresses.
      put(portName(p, svcRel), {
        addrs: clusterIPs,
        srvTargets: selfTargets,
        srvPort: { name: p.name, protocol: lowerProtocol(p) },
      });
    }
    for (const ip of clusterIPs) {
      const k = addressKey(ip);
      if (k) c.reverse.set(k, { owner, rel: svcRel, clusterIP: true });
    }
  } else {
    // Headless: without a ready endpoint the name does not exist (NXDOMAIN, as the specification says).
    if (targets.length === 0) return c;
    const addrs = [...new Set(targets.map((t) => t.addr))];
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
        put(portName(p, svcRel), {
          addrs: [...new Set(serving.map((x) => x.addr))],
          srvTargets: targets,
          srvPort: { name: p.name, protocol: lowerProtocol(p) },
        });
      }
    }
  }
  // `_tcp.web.shop.svc` exists (empty non-terminal) when `_http._tcp.web.shop.svc` does.
  for (const p of namedPorts) {
    const ent = [`_${p.protocol.toLowerCase()}`, svcRel].join('.');
    if (!c.forward.has(ent)) put(ent, {});
  }
  // CoreDNS answers endpoint names of every Service with endpoints, ClusterIP ones included.
  for (const [rel, group] of byHostname) {
    if (group instanceof EndpointAddress && !c.forward.has(rel)) {
      // Named by its address alone and the address's first entry: found through the address, no name kept.
      const k = group.label === null ? addressKey(group.addr) : null;
      if (k !== null && !c.reverse.has(k)) {
        c.reverse.set(k, group);
        continue;
      }
      c.forward.set(rel, group);
    } else put(rel, group instanceof EndpointAddress ? { addrs: group.addrs, srvTargets: [group] } : { addrs: group.addrs, srvTargets: group.targets });
    for (const target of group instanceof EndpointAddress ? [group] : group.targets) {
      const k = addressKey(target.addr);
      if (k && !c.reverse.has(k)) c.reverse.set(k, target);
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
      if (!ctx.filter || namespaceVisible(ctx, rs.name)) c.namespace = rs.name.toLowerCase();
      return c;
    }
    case 'Pod': {
      const c = empty();
      if (ctx.filter && !namespaceVisible(ctx, rs.namespace)) return c;
      c.namespace = rs.namespace.toLowerCase();
      for (const ip of rs.ips) {
        const n = normalizeIP(ip);
        if (n) c.podKeys.push(`${c.namespace}/${n}`);
      }
      return c;
    }
  }
}
