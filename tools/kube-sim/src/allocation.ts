// ClusterIP and NodePort allocation, as the API server's allocators do it (deterministic here, for tests).
import { isIPv4 } from 'node:net';

/** 10.96.0.0/12, the kubeadm default. The first 256 addresses are left for static choice (10.96.0.10 for DNS). */
const ipv4Base = (10 << 24) | (96 << 16);
const ipv4Size = 1 << 20;
const staticBand = 256;
/** fd00:10:96::/112 for IPv6 Services. */
const ipv6Prefix = 'fd00:10:96::';
const ipv6Size = 1 << 16;

function ipv4At(offset: number): string {
  const n = (ipv4Base + offset) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function allocateClusterIP(family: 'IPv4' | 'IPv6', used: { has(ip: string): boolean }): string | undefined {
  if (family === 'IPv4') {
    for (let offset = staticBand; offset < ipv4Size - 1; offset++) {
      const ip = ipv4At(offset);
      if (!used.has(ip)) return ip;
    }
    return undefined;
  }
  for (let offset = staticBand; offset < ipv6Size - 1; offset++) {
    const ip = `${ipv6Prefix}${offset.toString(16)}`;
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

export function inServiceRange(ip: string): boolean {
  if (isIPv4(ip)) {
    const parts = ip.split('.').map(Number);
    return parts[0] === 10 && parts[1] >= 96 && parts[1] <= 111;
  }
  return ip.toLowerCase().startsWith(ipv6Prefix);
}

export const nodePortRange = { first: 30000, last: 32767 };

export function allocateNodePort(used: ReadonlySet<number>): number | undefined {
  for (let port = nodePortRange.first; port <= nodePortRange.last; port++) if (!used.has(port)) return port;
  return undefined;
}
