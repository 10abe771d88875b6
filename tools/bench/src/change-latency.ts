// The time from a write to the Kubernetes API (kube-sim, through @kubernetes/client-node, as a
// controller writes) to the new answer at a DNS server: a headless Service whose one endpoint moves to
// a new address, over and over, with the old answer asked for (and so cached) just before each move.
import { performance } from 'node:perf_hooks';
import { CoreV1Api, DiscoveryV1Api, type V1EndpointSlice } from '@kubernetes/client-node';
import { loadKubeConfig } from '@halo/kube';
import { query, waitFor } from '@halo/testing';
import { percentiles, type Percentiles } from './dnsperf.ts';
import type { ServerAddress } from './reference-servers.ts';
import type { Log } from './workspace.ts';

export interface ChangeLatencyOptions {
  kubeUrl: string;
  target: ServerAddress;
  changes: number;
  zone?: string;
  /** Give up on one change after this long (it counts as missed). */
  perChangeTimeoutMs?: number;
}

export interface ChangeLatencyResult {
  /** Seconds, one per change seen. */
  samples: number[];
  percentiles?: Percentiles;
  missed: number;
}

/** The n-th address of 10.250.0.0/16 (outside the generated cluster's pod range). */
export function movingAddress(n: number): string {
  const offset = (n % 65_000) + 1;
  return `10.250.${offset >>> 8}.${offset & 255}`;
}

const namespace = 'bench-changes';
const service = 'moving';

function slice(ip: string): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-0`, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
  };
}

const alreadyExists = (error: unknown) => (error as { code?: number }).code === 409;

async function answersWith(target: ServerAddress, name: string, ip: string): Promise<boolean> {
  const response = await query(target, name, 'A', { timeoutMs: 500 }).catch(() => null);
  return response?.answers?.some((a) => a.type === 'A' && a.data === ip) ?? false;
}

export async function measureChangeLatency(options: ChangeLatencyOptions, log: Log): Promise<ChangeLatencyResult> {
  const kc = loadKubeConfig({ kubeServer: options.kubeUrl });
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const name = `${service}.${namespace}.svc.${options.zone ?? 'cluster.local'}`;
  const perChange = options.perChangeTimeoutMs ?? 10_000;

  await core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } }).catch((e) => {
    if (!alreadyExists(e)) throw e;
  });
  await core
    .createNamespacedService({
      namespace,
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: service, namespace },
        spec: { clusterIP: 'None', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
      },
    })
    .catch((e) => {
      if (!alreadyExists(e)) throw e;
    });
  await discovery.createNamespacedEndpointSlice({ namespace, body: slice(movingAddress(0)) }).catch((e) => {
    if (!alreadyExists(e)) throw e;
  });
  // A second measurement in one run starts where the first left the endpoint.
  const existing = await discovery.readNamespacedEndpointSlice({ name: `${service}-0`, namespace });
  const startIp = existing.endpoints?.[0]?.addresses?.[0] ?? movingAddress(0);
  const [, , third, fourth] = startIp.split('.').map(Number);
  const first = third * 256 + fourth;
  await waitFor(() => answersWith(options.target, name, startIp), {
    timeoutMs: perChange + 30_000,
    message: `${name} never answered ${startIp} at ${options.target.host}:${options.target.port}`,
  });
  log(
    `change latency: ${options.changes} moves of ${name}'s endpoint, written through the Kubernetes API, read at ${options.target.host}:${options.target.port}`,
  );

  const samples: number[] = [];
  let missed = 0;
  for (let i = 1; i <= options.changes; i++) {
    const current = await discovery.readNamespacedEndpointSlice({ name: `${service}-0`, namespace });
    const ip = movingAddress(first + i);
    // The old answer is asked for first, so a cache in front holds it when the change lands.
    await query(options.target, name, 'A', { timeoutMs: 500 }).catch(() => null);
    const body = { ...slice(ip), metadata: { ...slice(ip).metadata, resourceVersion: current.metadata?.resourceVersion } };
    const started = performance.now();
    await discovery.replaceNamespacedEndpointSlice({ name: `${service}-0`, namespace, body });
    const deadline = started + perChange;
    let seen = false;
    while (performance.now() < deadline) {
      if (await answersWith(options.target, name, ip)) {
        seen = true;
        break;
      }
    }
    if (seen) samples.push((performance.now() - started) / 1000);
    else missed++;
  }
  return { samples, percentiles: percentiles(samples), missed };
}
