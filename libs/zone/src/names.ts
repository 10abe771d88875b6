// Names and addresses: reverse names, the dashed forms Kubernetes DNS uses for IPs, zone matching.
import { isIP } from 'node:net';

export function isReverseZone(zone: string): boolean {
  return zone === 'in-addr.arpa' || zone.endsWith('.in-addr.arpa') || zone === 'ip6.arpa' || zone.endsWith('.ip6.arpa');
}

/** Lowercase, without a trailing dot. */
export function canonicalName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

/** The 8 groups of an IPv6 address as numbers, or null when it is not one. */
export function ipv6Groups(ip: string): number[] | null {
  if (isIP(ip) !== 6) return null;
  let s = ip.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const o = tail.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, lastColon + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head = '', rest] = s.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 ? groups : null;
}

/** One spelling per address, so addresses from different sources compare equal; null if not an IP. */
export function normalizeIP(ip: string): string | null {
  const family = isIP(ip);
  if (family === 4)
    return ip
      .split('.')
      .map((o) => String(Number(o)))
      .join('.');
  if (family !== 6) return null;
  const g = ipv6Groups(ip);
  return g ? g.map((x) => x.toString(16)).join(':') : null;
}

/** `10.0.0.1` → `1.0.0.10.in-addr.arpa`; IPv6 → its nibble name under ip6.arpa. */
export function reverseName(ip: string): string | null {
  const family = isIP(ip);
  if (family === 4)
    return `${ip
      .split('.')
      .map((o) => String(Number(o)))
      .reverse()
      .join('.')}.in-addr.arpa`;
  if (family !== 6) return null;
  const g = ipv6Groups(ip);
  if (!g) return null;
  const nibbles = g.map((x) => x.toString(16).padStart(4, '0')).join('');
  return `${[...nibbles].reverse().join('.')}.ip6.arpa`;
}

/**
 * The address a full reverse name stands for (the inverse of `reverseName`), IPv4 as written and IPv6
 * as `normalizeIP` spells it; null for any other name, partial ones included. Expects lowercase.
 */
export function addressOfReverseName(name: string): string | null {
  if (name.endsWith('.in-addr.arpa')) {
    const labels = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (labels.length !== 4) return null;
    for (const l of labels) if (!/^(?:0|[1-9][0-9]{0,2})$/.test(l) || Number(l) > 255) return null;
    return `${labels[3]}.${labels[2]}.${labels[1]}.${labels[0]}`;
  }
  if (name.endsWith('.ip6.arpa')) {
    const labels = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (labels.length !== 32 || !labels.every((l) => /^[0-9a-f]$/.test(l))) return null;
    const groups: string[] = [];
    for (let g = 0; g < 8; g++) {
      let value = 0;
      for (let k = 0; k < 4; k++) value = value * 16 + parseInt(labels[31 - (g * 4 + k)] as string, 16);
      groups.push(value.toString(16));
    }
    return groups.join(':');
  }
  return null;
}

/** How CoreDNS names an address that has no hostname: `10.0.0.1` → `10-0-0-1`, `fd00::1` → `fd00--1`. */
export function dashedIP(ip: string): string {
  return ip.toLowerCase().replaceAll('.', '-').replaceAll(':', '-');
}

/** The address a pod label stands for, as CoreDNS reads it: three dashes and no `--` is IPv4, else IPv6. */
export function ipFromPodLabel(label: string): string | null {
  const dashes = label.split('-').length - 1;
  const ip = dashes === 3 && !label.includes('--') ? label.replaceAll('-', '.') : label.replaceAll('-', ':');
  return isIP(ip) === 0 ? null : ip;
}

export function ipFamily(ip: string): 'A' | 'AAAA' | null {
  const f = isIP(ip);
  return f === 4 ? 'A' : f === 6 ? 'AAAA' : null;
}

const labelPattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A single DNS label as Kubernetes allows it (RFC 1123). */
export function isDnsLabel(s: string): boolean {
  return labelPattern.test(s);
}
