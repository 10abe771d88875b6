// A hosts table: name → addresses and address → names, from /etc/hosts-style text and inline lines.
import net from 'node:net';

export interface HostsTable {
  /** Lowercase name, no trailing dot → IPv4 and IPv6 addresses in file order. */
  v4: Map<string, string[]>;
  v6: Map<string, string[]>;
  /** Address (as written canonical by net) → names, for PTR. */
  names: Map<string, string[]>;
  size: number;
}

export function emptyTable(): HostsTable {
  return { v4: new Map(), v6: new Map(), names: new Map(), size: 0 };
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

/** Adds `IP name [alias...]`; returns false when the IP is not an address. Names outside `inZone` are skipped. */
export function addEntry(table: HostsTable, ipText: string, hostnames: string[], inZone: (name: string) => boolean): boolean {
  const ip = ipText.replace(/%.*$/, '');
  const family = net.isIP(ip);
  if (family === 0) return false;
  const canonical = family === 6 ? expandIPv6(ip) : ip;
  for (const raw of hostnames) {
    const name = raw.toLowerCase().replace(/\.$/, '');
    if (name === '' || !inZone(name)) continue;
    push(family === 4 ? table.v4 : table.v6, name, ip);
    push(table.names, canonical, name);
    table.size++;
  }
  return true;
}

/** Parses /etc/hosts text; malformed lines are skipped, as the C library does. */
export function parseHostsText(text: string, table: HostsTable, inZone: (name: string) => boolean): void {
  for (const line of text.split('\n')) {
    const fields = line.replace(/#.*$/, '').trim().split(/\s+/).filter(Boolean);
    if (fields.length >= 2) addEntry(table, fields[0], fields.slice(1), inZone);
  }
}

/** Full, lowercase, zero-padded IPv6 text, so that any spelling finds the same key. */
export function expandIPv6(ip: string): string {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, null];
  const h = head === '' ? [] : head.split(':');
  const t = tail === null || tail === '' ? [] : tail.split(':');
  const groups = tail === null ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0').toLowerCase()).join(':');
}

/** `4.3.2.1.in-addr.arpa` → `1.2.3.4`; nibble names under ip6.arpa → expanded IPv6; otherwise null. */
export function addressOfReverseName(name: string): string | null {
  const v4 = /^((?:[0-9]{1,3}\.){4})in-addr\.arpa$/.exec(name);
  if (v4) {
    const ip = v4[1].slice(0, -1).split('.').reverse().join('.');
    return net.isIPv4(ip) ? ip : null;
  }
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(name);
  if (v6) {
    const nibbles = v6[1].replace(/\./g, '').split('').reverse().join('');
    return nibbles.match(/.{4}/g)?.join(':') ?? null;
  }
  return null;
}

/** Every name a table answers for, reverse names of its addresses included: what a reload may change. */
export function namesOfTable(table: HostsTable): string[] {
  const names = new Set<string>([...table.v4.keys(), ...table.v6.keys()]);
  for (const ip of table.names.keys()) names.add(reverseNameOf(ip));
  return [...names];
}

/** `1.2.3.4` → `4.3.2.1.in-addr.arpa`; an expanded IPv6 address → its ip6.arpa nibble name. */
export function reverseNameOf(ip: string): string {
  if (net.isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  return `${expandIPv6(ip).replace(/:/g, '').split('').reverse().join('.')}.ip6.arpa`;
}
