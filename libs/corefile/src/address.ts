// Server block keys: `[dns://]ZONE[:PORT]`, where ZONE may be a CIDR that stands for its reverse zones.
import { isIPv4, isIPv6 } from 'node:net';
import type { ServerAddress, Token } from './types.ts';

export type KeyResult = { ok: true; addresses: ServerAddress[] } | { ok: false; message: string };

const unsupportedTransports = ['tls', 'grpc', 'https', 'quic', 'https3'];

export function parseServerKey(key: Token): KeyResult {
  let rest = key.text;
  const scheme = /^([a-z0-9]+):\/\//i.exec(rest);
  if (scheme) {
    const transport = scheme[1].toLowerCase();
    if (transport !== 'dns') {
      const known = unsupportedTransports.includes(transport);
      return { ok: false, message: `${known ? 'transport' : 'unknown transport'} ${transport}:// is not supported in "${key.text}": use dns:// or no scheme` };
    }
    rest = rest.slice(scheme[0].length);
  }
  let host = rest;
  let portText: string | null = null;
  const bracketed = /^\[([^\]]*)\](\/[0-9]*)?(?::(.*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1] + (bracketed[2] ?? '');
    portText = bracketed[3] ?? null;
  } else if (!isIPv6CIDR(rest)) {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    }
  }
  let port: number | null = null;
  if (portText !== null) {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return { ok: false, message: `bad port "${portText}" in "${key.text}": a port is a number from 1 to 65535` };
    }
    port = Number(portText);
  }
  if (host === '') host = '.';
  if (host.includes('/')) {
    const zones = reverseZones(host);
    if (typeof zones === 'string') return { ok: false, message: `${zones} in "${key.text}"` };
    return { ok: true, addresses: zones.map((zone) => ({ zone, port, transport: 'dns', key })) };
  }
  const zone = normalizeZone(host);
  if (typeof zone !== 'string') return { ok: false, message: `bad zone "${host}" in "${key.text}": ${zone.reason}` };
  return { ok: true, addresses: [{ zone, port, transport: 'dns', key }] };
}

/** Lowercase, no trailing dot, '.' for the root; or why the name is not a zone. */
export function normalizeZone(name: string): string | { reason: string } {
  if (name === '.' || name === '') return '.';
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed.length > 253) return { reason: 'a name is at most 253 characters long' };
  for (const label of trimmed.split('.')) {
    if (label === '') return { reason: 'it has an empty label (two dots in a row or a leading dot)' };
    if (label.length > 63) return { reason: `label "${label}" is longer than 63 characters` };
    if (!/^[A-Za-z0-9_*-]+$/.test(label)) return { reason: `label "${label}" has characters a zone name cannot hold` };
  }
  return trimmed.toLowerCase();
}

function isIPv6CIDR(text: string): boolean {
  const slash = text.indexOf('/');
  return slash > 0 && isIPv6(text.slice(0, slash));
}

/** A CIDR's reverse zones; a prefix off the octet (IPv4) or nibble (IPv6) boundary gives several zones. */
export function reverseZones(cidr: string): string[] | string {
  const [ip, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIPv4(ip)) {
    if (!/^[0-9]{1,2}$/.test(bitsText) || bits > 32) return `bad CIDR prefix length "/${bitsText}"`;
    const octets = ip.split('.').map(Number);
    const whole = Math.ceil(bits / 8);
    const value = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - bits);
    const base = Math.floor(value / size) * size;
    const step = 2 ** (32 - whole * 8);
    const zones: string[] = [];
    for (let v = base; v < base + size; v += step) {
      const parts = [Math.floor(v / 2 ** 24) % 256, Math.floor(v / 2 ** 16) % 256, Math.floor(v / 2 ** 8) % 256, v % 256];
      zones.push([...parts.slice(0, whole).reverse(), 'in-addr', 'arpa'].join('.'));
    }
    return zones;
  }
  if (isIPv6(ip)) {
    if (!/^[0-9]{1,3}$/.test(bitsText) || bits > 128) return `bad CIDR prefix length "/${bitsText}"`;
    const nibbles = expandIPv6(ip);
    const whole = Math.ceil(bits / 4);
    const spare = whole * 4 - bits;
    const zones: string[] = [];
    const last = whole > 0 ? parseInt(nibbles[whole - 1], 16) : 0;
    const first = whole > 0 ? last - (last % 2 ** spare) : 0;
    for (let n = 0; n < 2 ** spare; n++) {
      const head = nibbles.slice(0, whole);
      if (whole > 0) head[whole - 1] = (first + n).toString(16);
      zones.push([...head.reverse(), 'ip6', 'arpa'].join('.'));
    }
    return zones;
  }
  return `"${ip}" is not an IP address`;
}

function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, null];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === null || tail === '' ? [] : tail.split(':');
  const groups = tail === null ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.flatMap((g) => Array.from(g.padStart(4, '0').toLowerCase()));
}
