// Services that move, for the scale benchmark: headless Services in namespace `bench-churn`, one
// endpoint each, seeded with the cluster. A change moves one Service's endpoint to a new address
// through the Kubernetes API (as the EndpointSlice controller writes); a probe times it from the write
// to the new answer at one DNS server or many, each of which held the old answer just before.
import { performance } from 'node:perf_hooks';
import { DiscoveryV1Api, type V1EndpointSlice } from '@kubernetes/client-node';
import { zoneKey } from '@halo/bus';
import { loadKubeConfig } from '@halo/kube';
import { query } from '@halo/testing';
import type { ServerAddress } from './reference-servers.ts';

export const churnNamespace = 'bench-churn';

const serviceOf = (slot: number) => `mover-${String(slot).padStart(4, '0')}`;

/** The A name of a moving Service. */
export function churnName(slot: number, zone = 'cluster.local'): string {
  return `${serviceOf(slot)}.${churnNamespace}.svc.${zone}`;
}

/** The KV key the watcher writes for it. */
export function churnKey(slot: number): string {
  return zoneKey({ kind: 'Service', namespace: churnNamespace, name: serviceOf(slot) });
}

/** Where a Service's endpoint is after its n-th move: 10.240-254.x.y, outside the generated pod range. */
export function churnAddress(slot: number, move: number): string {
  return `10.${240 + (move % 15)}.${(slot >> 8) & 255}.${slot & 255}`;
}

function slice(slot: number, ip: string): V1EndpointSlice {
  const service = serviceOf(slot);
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-0`, namespace: churnNamespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
  };
}

/** The namespace, `count` headless Services and their slices, as one JSON List for kube-sim's seed. */
export function churnManifests(count: number): string {
  const items: unknown[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: churnNamespace } }];
  for (let slot = 0; slot < count; slot++) {
    items.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: serviceOf(slot), namespace: churnNamespace },
      spec: { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    });
    items.push(slice(slot, churnAddress(slot, 0)));
  }
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items })}\n`;
}

export interface Move {
  slot: number;
  ip: string;
  /** performance.now() just before the write was sent. */
  startedMs: number;
  /** The same instant as epoch milliseconds (for other processes' clocks). */
  startedEpochMs: number;
}

/** Moves the Services' endpoints through the API; each slot's resourceVersion is kept from its last write. */
export class Churn {
  readonly count: number;
  readonly #api: DiscoveryV1Api;
  readonly #moves: number[];
  readonly #versions: (string | undefined)[];

  constructor(kubeUrl: string, count: number) {
    this.count = count;
    this.#api = loadKubeConfig({ kubeServer: kubeUrl }).makeApiClient(DiscoveryV1Api);
    this.#moves = Array.from({ length: count }, () => 0);
    this.#versions = Array.from({ length: count }, () => undefined);
  }

  /** The address a slot answers now. */
  current(slot: number): string {
    return churnAddress(slot, this.#moves[slot] ?? 0);
  }

  async move(slot: number): Promise<Move> {
    const name = `${serviceOf(slot)}-0`;
    if (this.#versions[slot] === undefined)
      this.#versions[slot] = (await this.#api.readNamespacedEndpointSlice({ name, namespace: churnNamespace })).metadata?.resourceVersion;
    const move = (this.#moves[slot] ?? 0) + 1;
    const ip = churnAddress(slot, move);
    const body = slice(slot, ip);
    body.metadata = { ...body.metadata, resourceVersion: this.#versions[slot] };
    this.#moves[slot] = move;
    let startedMs = performance.now();
    let written: V1EndpointSlice;
    try {
      written = await this.#api.replaceNamespacedEndpointSlice({ name, namespace: churnNamespace, body });
    } catch (error) {
      // A slot moved again before its last move returned: write over the version there is now.
      if ((error as { code?: number }).code !== 409) throw error;
      body.metadata.resourceVersion = (await this.#api.readNamespacedEndpointSlice({ name, namespace: churnNamespace })).metadata?.resourceVersion;
      startedMs = performance.now();
      written = await this.#api.replaceNamespacedEndpointSlice({ name, namespace: churnNamespace, body });
    }
    const startedEpochMs = performance.timeOrigin + startedMs;
    this.#versions[slot] = written.metadata?.resourceVersion;
    return { slot, ip, startedMs, startedEpochMs };
  }
}

async function answers(target: ServerAddress, name: string, ip: string): Promise<boolean> {
  const response = await query(target, name, 'A', { timeoutMs: 500 }).catch(() => null);
  return response?.answers?.some((a) => a.type === 'A' && a.data === ip) ?? false;
}

export interface ProbeOptions {
  /** Give up on a target after this long (the sample is then missing). */
  timeoutMs: number;
  /** Time between two questions to one target. */
  intervalMs: number;
}

/**
 * One change timed at every target: each is asked first (so it holds the old answer), then the
 * endpoint moves, then each is asked until it answers the new address. Seconds from the write to the
 * new answer, per target; null where it never came.
 */
export async function probeMove(
  churn: Churn,
  slot: number,
  targets: readonly ServerAddress[],
  options: ProbeOptions,
  onMove?: (move: Move) => void,
): Promise<(number | null)[]> {
  const name = churnName(slot);
  await Promise.all(targets.map((t) => query(t, name, 'A', { timeoutMs: 500 }).catch(() => null)));
  const move = await churn.move(slot);
  onMove?.(move);
  const deadline = move.startedMs + options.timeoutMs;
  return Promise.all(
    targets.map(async (target) => {
      while (performance.now() < deadline) {
        if (await answers(target, name, move.ip)) return (performance.now() - move.startedMs) / 1000;
        await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
      }
      return null;
    }),
  );
}

/** Runs `task(i)` for i = 0..count-1, started `rate` per second, all awaited; the rate reached is returned. */
export async function atRate<T>(count: number, rate: number, task: (i: number) => Promise<T>): Promise<{ results: T[]; seconds: number }> {
  const started = performance.now();
  const running: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    running.push(task(i));
  }
  const launched = (performance.now() - started) / 1000;
  return { results: await Promise.all(running), seconds: launched };
}
