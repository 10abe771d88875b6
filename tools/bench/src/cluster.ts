// A synthetic cluster for the benchmarks, as one model from which the kube-sim manifests, the dnsperf
// query file and knot's zone file are all derived, so that every server is asked about the same names.

export interface BenchPort {
  name: string;
  protocol: 'TCP' | 'UDP';
  port: number;
}

export interface BenchEndpoint {
  ip: string;
  /** The StatefulSet pattern: the endpoint answers as `<hostname>.<svc>.<ns>.svc.<zone>`. */
  hostname?: string;
  ready: boolean;
}

export interface BenchService {
  namespace: string;
  name: string;
  headless: boolean;
  /** Empty for headless Services. */
  clusterIPs: string[];
  ports: BenchPort[];
  endpoints: BenchEndpoint[];
}

export interface BenchCluster {
  zone: string;
  services: BenchService[];
}

export interface ClusterOptions {
  services?: number;
  /** Endpoints in total, over every Service (ClusterIP Services have endpoints too). */
  endpoints?: number;
  namespaces?: number;
  /** Share of headless Services, 0..1. */
  headlessShare?: number;
  /** Share of ClusterIP Services that are dual-stack, 0..1. */
  dualStackShare?: number;
  seed?: number;
  zone?: string;
}

/** A small deterministic PRNG (mulberry32): the same options give the same cluster on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ipv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

// ClusterIPs from 10.97.0.0 (inside kube-sim's 10.96.0.0/12, clear of its allocator's first addresses);
// pod IPs from 10.128.0.0/9, room for millions.
const clusterIPv4Base = ((10 << 24) | (97 << 16)) >>> 0;
const podIPv4Base = ((10 << 24) | (128 << 16)) >>> 0;

/** Endpoint counts per Service that add up to exactly `total`, varied around the mean. */
export function endpointCounts(services: number, total: number, next: () => number): number[] {
  const base = Math.floor(total / services);
  const counts = Array.from({ length: services }, (_, i) => base + (i < total - base * services ? 1 : 0));
  // Move endpoints between neighbours: the sum stays, the sizes vary (0 .. 2×mean).
  for (let i = 0; i + 1 < services; i += 2) {
    const shift = Math.floor(next() * (Math.min(counts[i], counts[i + 1]) + 1));
    counts[i] += shift;
    counts[i + 1] -= shift;
  }
  return counts;
}

export function generateCluster(options: ClusterOptions = {}): BenchCluster {
  const serviceCount = options.services ?? 10_000;
  const endpointTotal = options.endpoints ?? 100_000;
  const namespaceCount = Math.max(1, Math.min(options.namespaces ?? 100, serviceCount));
  const headlessShare = options.headlessShare ?? 0.2;
  const dualStackShare = options.dualStackShare ?? 0.1;
  const next = random(options.seed ?? 1);
  const counts = endpointCounts(serviceCount, endpointTotal, next);
  const perNamespace = Math.ceil(serviceCount / namespaceCount);

  let podIndex = 0;
  const services: BenchService[] = [];
  for (let i = 0; i < serviceCount; i++) {
    const namespace = `ns-${String(Math.floor(i / perNamespace)).padStart(3, '0')}`;
    const name = `svc-${String(i).padStart(5, '0')}`;
    const headless = next() < headlessShare;
    const clusterIPs = headless ? [] : [ipv4(clusterIPv4Base + i)];
    if (!headless && next() < dualStackShare) clusterIPs.push(`fd00:10:96::${(0x1000 + i).toString(16)}`);
    const ports: BenchPort[] = [{ name: 'http', protocol: 'TCP', port: 80 }];
    if (i % 3 === 0) ports.push({ name: 'metrics', protocol: 'TCP', port: 9090 });
    if (i % 7 === 0) ports.push({ name: 'dns', protocol: 'UDP', port: 53 });
    // Half the headless Services are StatefulSets: their endpoints carry hostnames.
    const statefulSet = headless && i % 2 === 0;
    const endpoints: BenchEndpoint[] = [];
    for (let k = 0; k < counts[i]; k++) {
      endpoints.push({
        ip: ipv4(podIPv4Base + ++podIndex),
        ...(statefulSet ? { hostname: `${name}-${k}` } : {}),
        // One endpoint in twenty is not ready: it must not be answered.
        ready: podIndex % 20 !== 0,
      });
    }
    services.push({ namespace, name, headless, clusterIPs, ports, endpoints });
  }
  return { zone: options.zone ?? 'cluster.local', services };
}

/** The namespaces of the cluster, in order of first use. */
export function namespacesOf(cluster: BenchCluster): string[] {
  return [...new Set(cluster.services.map((s) => s.namespace))];
}

/**
 * The manifests for kube-sim: Namespaces, Services and their EndpointSlices (at most 100 endpoints a
 * slice, as the EndpointSlice controller cuts them). Written as one JSON `List` (YAML is a superset of
 * JSON), which is far quicker to write and to parse than block YAML at this size.
 */
export function manifestsOf(cluster: BenchCluster): string {
  const items: unknown[] = namespacesOf(cluster).map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  for (const s of cluster.services) {
    const families = s.clusterIPs.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4'));
    items.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace: s.namespace, labels: { app: s.name } },
      spec: {
        type: 'ClusterIP',
        ...(s.headless
          ? { clusterIP: 'None', clusterIPs: ['None'] }
          : {
              clusterIP: s.clusterIPs[0],
              clusterIPs: s.clusterIPs,
              ipFamilies: families,
              ipFamilyPolicy: families.length > 1 ? 'PreferDualStack' : 'SingleStack',
            }),
        selector: { app: s.name },
        ports: s.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, targetPort: p.port })),
      },
    });
    for (let from = 0, part = 0; from < s.endpoints.length; from += 100, part++) {
      items.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${s.name}-${part}`,
          namespace: s.namespace,
          labels: { 'kubernetes.io/service-name': s.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
        },
        addressType: 'IPv4',
        ports: s.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })),
        endpoints: s.endpoints.slice(from, from + 100).map((e) => ({
          addresses: [e.ip],
          ...(e.hostname ? { hostname: e.hostname } : {}),
          conditions: { ready: e.ready },
        })),
      });
    }
  }
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items })}\n`;
}

export function serviceName(cluster: BenchCluster, s: BenchService): string {
  return `${s.name}.${s.namespace}.svc.${cluster.zone}`;
}

/** The name an endpoint of a headless Service answers to: its hostname, else its dashed address (as CoreDNS). */
export function endpointName(cluster: BenchCluster, s: BenchService, e: BenchEndpoint): string {
  return `${e.hostname ?? e.ip.replaceAll('.', '-')}.${serviceName(cluster, s)}`;
}

export interface Question {
  name: string;
  type: 'A' | 'AAAA' | 'SRV' | 'PTR' | 'TXT';
}

export interface QueryMix {
  /** Every service's A; these shares of SRV, AAAA, endpoint-name A and NXDOMAIN questions per Service. */
  srv?: number;
  aaaa?: number;
  endpointA?: number;
  nxdomain?: number;
  seed?: number;
}

/**
 * The questions of a dnsperf run, shuffled: an A for every Service, and by share SRV of a named port,
 * AAAA (NODATA for single-stack), A of a headless endpoint's own name, and names that do not exist.
 */
export function questionsOf(cluster: BenchCluster, mix: QueryMix = {}): Question[] {
  const next = random(mix.seed ?? 2);
  const share = (p: number | undefined, fallback: number) => next() < (p ?? fallback);
  const out: Question[] = [];
  for (const s of cluster.services) {
    const name = serviceName(cluster, s);
    out.push({ name, type: 'A' });
    if (share(mix.srv, 0.5)) {
      const port = s.ports[Math.floor(next() * s.ports.length)];
      out.push({ name: `_${port.name}._${port.protocol.toLowerCase()}.${name}`, type: 'SRV' });
    }
    if (share(mix.aaaa, 0.3)) out.push({ name, type: 'AAAA' });
    const ready = s.endpoints.filter((e) => e.ready);
    if (s.headless && ready.length > 0 && share(mix.endpointA, 0.5)) {
      out.push({ name: endpointName(cluster, s, ready[Math.floor(next() * ready.length)]), type: 'A' });
    }
    if (share(mix.nxdomain, 0.1)) out.push({ name: `no-such-${s.name}.${s.namespace}.svc.${cluster.zone}`, type: 'A' });
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** dnsperf's input format: `name type` a line. */
export function dnsperfInput(questions: readonly Question[]): string {
  return questions.map((q) => `${q.name} ${q.type}\n`).join('');
}

/**
 * The same names as a zone file for knot, record for record what the Kubernetes DNS specification
 * (and CoreDNS) answers: A/AAAA of ClusterIPs, A of ready endpoints for headless Services and of each
 * endpoint's own name, SRV of every named port. TTL as kubeadm's Corefile (`ttl 30`).
 */
export function zoneFileOf(cluster: BenchCluster, ttl = 30): string {
  const z = `${cluster.zone}.`;
  const lines = [
    `$ORIGIN ${z}`,
    `$TTL ${ttl}`,
    `@ 5 IN SOA ns.dns.${z} hostmaster.${z} 1 7200 1800 86400 5`,
    `@ IN NS ns.dns.${z}`,
    `ns.dns IN A 10.96.0.10`,
    `dns-version IN TXT "1.1.0"`,
  ];
  for (const s of cluster.services) {
    const owner = `${serviceName(cluster, s)}.`;
    if (!s.headless) {
      for (const ip of s.clusterIPs) lines.push(`${owner} IN ${ip.includes(':') ? 'AAAA' : 'A'} ${ip}`);
      for (const p of s.ports) lines.push(`_${p.name}._${p.protocol.toLowerCase()}.${owner} IN SRV 0 100 ${p.port} ${owner}`);
      continue;
    }
    const ready = s.endpoints.filter((e) => e.ready);
    const weight = ready.length > 0 ? Math.floor(100 / ready.length) : 0;
    for (const e of ready) {
      lines.push(`${owner} IN A ${e.ip}`);
      lines.push(`${endpointName(cluster, s, e)}. IN A ${e.ip}`);
      for (const p of s.ports) lines.push(`_${p.name}._${p.protocol.toLowerCase()}.${owner} IN SRV 0 ${weight} ${p.port} ${endpointName(cluster, s, e)}.`);
    }
  }
  return `${lines.join('\n')}\n`;
}
