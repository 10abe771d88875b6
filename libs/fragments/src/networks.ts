// Address ranges a fragment may not reach: reverse zones over the cluster's own ranges, and upstreams on
// the instance itself (loopback), link-local (cloud metadata at 169.254.169.254) or the nodes.
import net from 'node:net';

export interface ClusterNetworks {
  /** The Service range(s): reverse lookups of Service IPs belong to the kubernetes plugin. */
  services: string[];
  /** The Pod range(s), likewise. */
  pods: string[];
  /** The nodes' addresses: a node cache runs in the node's network, so an upstream there reaches the node itself. */
  nodes: string[];
}

/** kubeadm's Service range and the common Pod range; the node range is the operator's to say. */
export const defaultNetworks: ClusterNetworks = { services: ['10.96.0.0/12'], pods: ['10.244.0.0/16'], nodes: [] };

/** Never an upstream: this host, link-local (metadata services), unspecified, multicast, broadcast. */
const neverUpstream = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '224.0.0.0/4',
  '255.255.255.255/32',
  // Alibaba Cloud's and AWS's (IPv6) metadata services, outside link-local.
  '100.100.100.200/32',
  '::/128',
  '::1/128',
  'fe80::/10',
  'ff00::/8',
  'fd00:ec2::254/128',
];

export interface Cidr {
  address: string;
  bits: number;
  family: 4 | 6;
}

/** `10.96.0.0/12` → its parts, or a message saying what is wrong. */
export function parseCidr(text: string): Cidr | string {
  const [address, bitsText, ...rest] = text.trim().split('/');
  const family = net.isIP(address ?? '');
  if (family === 0 || rest.length > 0) return `"${text}" is not a CIDR such as 10.96.0.0/12`;
  const max = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (!/^[0-9]{1,3}$/.test(bitsText ?? String(max)) || bits > max) return `"${text}" has a bad prefix length (0 to ${max})`;
  return { address, bits, family: family as 4 | 6 };
}

function blockList(cidrs: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const text of cidrs) {
    const c = parseCidr(text);
    if (typeof c !== 'string') list.addSubnet(c.address, c.bits, c.family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** `::ffff:127.0.0.1` is 127.0.0.1. */
function plainAddress(ip: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:([0-9.]+)$/i.exec(ip);
  if (mapped && net.isIPv4(mapped[1])) return { address: mapped[1], family: 'ipv4' };
  return { address: ip, family: net.isIPv4(ip) ? 'ipv4' : 'ipv6' };
}

/** Why an upstream address may not be used by a fragment, or null when it may. */
export function refusedUpstream(ip: string, networks: ClusterNetworks): string | null {
  const { address, family } = plainAddress(ip);
  if (blockList(neverUpstream).check(address, family)) return `${ip} is on this host, link-local (cloud metadata), multicast or unspecified`;
  if (blockList(networks.nodes).check(address, family))
    return `${ip} is in the nodes' range (${networks.nodes.join(', ')}): the node cache runs in the node's network`;
  return null;
}

/** The IP prefix a reverse zone stands for (`96.10.in-addr.arpa` → 10.96.0.0/16), or null for another name. */
export function reversePrefix(zone: string): Cidr | null {
  const labels = zone.split('.');
  if (zone.endsWith('.in-addr.arpa')) {
    const octets = labels.slice(0, -2).reverse();
    if (octets.length === 0 || octets.length > 4 || !octets.every((o) => /^[0-9]{1,3}$/.test(o) && Number(o) < 256)) return null;
    return { address: [...octets, '0', '0', '0'].slice(0, 4).join('.'), bits: octets.length * 8, family: 4 };
  }
  if (zone.endsWith('.ip6.arpa')) {
    const nibbles = labels.slice(0, -2).reverse();
    if (nibbles.length === 0 || nibbles.length > 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return null;
    const hex = nibbles.join('').padEnd(32, '0');
    return { address: Array.from({ length: 8 }, (_, i) => hex.slice(i * 4, i * 4 + 4)).join(':'), bits: nibbles.length * 4, family: 6 };
  }
  return null;
}

/** True when two prefixes share an address: one holds the other's first address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const type = a.family === 4 ? 'ipv4' : 'ipv6';
  const inA = new net.BlockList();
  inA.addSubnet(a.address, a.bits, type);
  const inB = new net.BlockList();
  inB.addSubnet(b.address, b.bits, type);
  return inA.check(b.address, type) || inB.check(a.address, type);
}

/** Why a reverse zone may not be served by a fragment, or null when it may. */
export function refusedReverseZone(zone: string, networks: ClusterNetworks): string | null {
  const prefix = reversePrefix(zone);
  if (prefix === null) return null;
  // A few nibbles of ip6.arpa are a large part of the address space (`[::]/1` is half of it).
  if (prefix.family === 6 && prefix.bits < 16) return `${zone} covers a /${prefix.bits}: reverse zones of a fragment are at least a /16`;
  for (const [what, ranges] of [
    ['Service', networks.services],
    ['Pod', networks.pods],
  ] as const) {
    for (const text of ranges) {
      const range = parseCidr(text);
      if (typeof range !== 'string' && overlaps(prefix, range))
        return `${zone} covers part of the ${what} range ${text}: its reverse names belong to the kubernetes plugin`;
    }
  }
  return null;
}
