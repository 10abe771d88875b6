// The bench's generated cluster (tools/bench), as tools/compare asks about it: its manifests with a few
// ExternalName Services added (targets inside and outside the cluster zone), and the questions of the
// bench's query mix plus those a benchmark does not ask (PTR, SRV of Service names, endpoint names of
// ClusterIP Services, not-ready endpoints, namespaces, the ExternalNames).
import { generateCluster, manifestsOf, questionsOf, serviceName, type BenchCluster, type BenchService } from '@halo/bench';
import type { Question } from './questions.ts';

export interface GeneratedCluster {
  cluster: BenchCluster;
  /** kube-sim's seed: a JSON List (YAML is a superset of JSON). */
  manifests: string;
  questions: Question[];
}

const dashed = (ip: string) => ip.replaceAll('.', '-').replaceAll(':', '-');

function reverse(ip: string): string {
  if (!ip.includes(':')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const [head = '', tail = ''] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return `${[...groups.map((g) => g.padStart(4, '0')).join('')].reverse().join('.')}.ip6.arpa`;
}

/** ExternalName Services in the first namespace: name → spec.externalName. */
function externalNames(cluster: BenchCluster): { namespace: string; names: [string, string][] } {
  const clusterIP = cluster.services.find((s) => !s.headless && s.endpoints.some((e) => e.ready)) as BenchService;
  const headless = cluster.services.find((s) => s.headless && s.endpoints.some((e) => e.ready)) as BenchService;
  // A StatefulSet's endpoint (hostname), ready: a name the API accepts as an externalName (no `_port._proto`).
  const stateful = cluster.services.find((s) => s.headless && s.endpoints.some((e) => e.ready && e.hostname)) as BenchService;
  const member = stateful.endpoints.find((e) => e.ready && e.hostname) as { hostname: string };
  const namespace = clusterIP.namespace;
  const zone = cluster.zone;
  return {
    namespace,
    names: [
      ['ext-to-service', serviceName(cluster, clusterIP)],
      ['ext-to-headless', serviceName(cluster, headless)],
      ['ext-to-endpoint', `${member.hostname}.${serviceName(cluster, stateful)}`],
      ['ext-to-ext', `ext-to-service.${namespace}.svc.${zone}`],
      ['ext-to-nothing', `no-such-service.${namespace}.svc.${zone}`],
      ['ext-outside', 'www.example.com'],
    ],
  };
}

export function generatedCluster(services: number, endpoints = services * 10): GeneratedCluster {
  const cluster = generateCluster({ services, endpoints });
  const list = JSON.parse(manifestsOf(cluster)) as { items: unknown[] };
  const ext = externalNames(cluster);
  for (const [name, target] of ext.names) {
    list.items.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ext.namespace },
      spec: { type: 'ExternalName', externalName: target, ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    });
  }
  const asked: Omit<Question, 'line'>[] = questionsOf(cluster).map((q) => ({ name: q.name, type: q.type }));
  cluster.services.forEach((s, i) => {
    if (i % 25 !== 0) return;
    const name = serviceName(cluster, s);
    const ready = s.endpoints.filter((e) => e.ready);
    const notReady = s.endpoints.find((e) => !e.ready);
    asked.push({ name, type: 'SRV' }, { name: `_tcp.${name}`, type: 'SRV' }, { name, type: 'TXT' }, { name: `${s.namespace}.svc.${cluster.zone}`, type: 'A' });
    for (const ip of s.clusterIPs) asked.push({ name: reverse(ip), type: 'PTR' }, { name, type: ip.includes(':') ? 'AAAA' : 'A' });
    if (ready[0]) {
      asked.push({ name: reverse(ready[0].ip), type: 'PTR' });
      // CoreDNS answers endpoint names of ClusterIP Services too.
      if (!s.headless) asked.push({ name: `${dashed(ready[0].ip)}.${name}`, type: 'A' });
    }
    if (notReady) asked.push({ name: `${notReady.hostname ?? dashed(notReady.ip)}.${name}`, type: 'A' }, { name: reverse(notReady.ip), type: 'PTR' });
  });
  for (const [name] of ext.names)
    for (const type of ['A', 'AAAA', 'SRV', 'CNAME', 'TXT']) asked.push({ name: `${name}.${ext.namespace}.svc.${cluster.zone}`, type });
  // Each question once: asked again, it would test how long each cache keeps it (CoreDNS evicts at
  // random, ours the least recently used), not the zone.
  const once = [...new Map(asked.map((q) => [`${q.name.toLowerCase()} ${q.type}`, q])).values()];
  return { cluster, manifests: `${JSON.stringify(list)}\n`, questions: once.map((q, i) => ({ ...q, line: i + 1 })) };
}
