// One resource record in zone-file text (`NAME [TTL] [CLASS] TYPE RDATA`) as a dns-packet Answer.
import net from 'node:net';
import type { Answer } from 'dns-packet';

const classes = ['IN', 'CH', 'HS', 'CS', 'ANY'];
const types = ['A', 'AAAA', 'CNAME', 'PTR', 'NS', 'DNAME', 'TXT', 'MX', 'SRV', 'SOA'];

function fields(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

function name(text: string): string {
  return text === '.' ? '.' : text.replace(/\.$/, '');
}

function uint(text: string | undefined, max: number): number | null {
  return text !== undefined && /^[0-9]+$/.test(text) && Number(text) <= max ? Number(text) : null;
}

export function parseRecord(text: string, defaultTtl = 3600): Answer | string {
  const f = fields(text);
  if (f.length < 3) return `"${text}" is not a resource record: expected NAME [TTL] [CLASS] TYPE RDATA`;
  const owner = name(f[0]);
  let i = 1;
  let ttl = defaultTtl;
  let klass = 'IN';
  for (let k = 0; k < 2; k++) {
    if (uint(f[i], 2147483647) !== null) ttl = Number(f[i++]);
    else if (classes.includes(f[i]?.toUpperCase())) klass = f[i++].toUpperCase();
  }
  const type = f[i++]?.toUpperCase();
  const rdata = f.slice(i);
  const base = { name: owner, ttl, class: klass as 'IN' };
  if (!type || !types.includes(type)) return `"${text}": type ${type ?? '(none)'} is not one of ${types.join(', ')}`;
  if (rdata.length === 0) return `"${text}": ${type} needs data`;
  switch (type) {
    case 'A':
      return net.isIPv4(rdata[0]) ? { ...base, type, data: rdata[0] } : `"${text}": "${rdata[0]}" is not an IPv4 address`;
    case 'AAAA':
      return net.isIPv6(rdata[0]) ? { ...base, type, data: rdata[0] } : `"${text}": "${rdata[0]}" is not an IPv6 address`;
    case 'CNAME':
    case 'PTR':
    case 'NS':
    case 'DNAME':
      return { ...base, type, data: name(rdata[0]) };
    case 'TXT':
      return { ...base, type, data: rdata };
    case 'MX': {
      const preference = uint(rdata[0], 65535);
      return preference !== null && rdata[1] ? { ...base, type, data: { preference, exchange: name(rdata[1]) } } : `"${text}": MX needs PREFERENCE EXCHANGE`;
    }
    case 'SRV': {
      const [priority, weight, port] = rdata.slice(0, 3).map((x) => uint(x, 65535));
      return priority !== null && weight !== null && port !== null && rdata[3]
        ? { ...base, type, data: { priority, weight, port, target: name(rdata[3]) } }
        : `"${text}": SRV needs PRIORITY WEIGHT PORT TARGET`;
    }
    case 'SOA': {
      const nums = rdata.slice(2, 7).map((x) => uint(x, 4294967295));
      if (rdata.length < 7 || nums.some((n) => n === null)) return `"${text}": SOA needs MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM`;
      const [serial, refresh, retry, expire, minimum] = nums as number[];
      return { ...base, type, data: { mname: name(rdata[0]), rname: name(rdata[1]), serial, refresh, retry, expire, minimum } };
    }
  }
  return `"${text}": type ${type} is not supported`;
}
