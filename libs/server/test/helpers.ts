// Test helpers: an in-memory RecordSetSource, raw DNS over UDP/TCP (through @halo/testing's client), free ports.
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import type { RecordSet, ServiceRecordSet } from '@halo/zone';
import { Registry } from 'prom-client';
import { exchangeWire, pipelineTcp, TestingError } from '@halo/testing';
import { loadServer, type DnsServer, type RecordSetSource } from '../src/index.ts';

export class MemoryRecordSets implements RecordSetSource {
  private readonly sets = new Map<string, RecordSet>();
  private readonly listeners = new Set<(key: string, rs: RecordSet | null) => void>();
  synced = true;

  constructor(initial: [string, RecordSet][] = []) {
    for (const [k, v] of initial) this.sets.set(k, v);
  }

  entries(): Iterable<[string, RecordSet]> {
    return [...this.sets.entries()];
  }

  subscribe(listener: (key: string, rs: RecordSet | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  put(key: string, rs: RecordSet | null): void {
    if (rs) this.sets.set(key, rs);
    else this.sets.delete(key);
    for (const l of this.listeners) l(key, rs);
  }
}

export function service(namespace: string, name: string, extra: Partial<ServiceRecordSet> = {}): [string, ServiceRecordSet] {
  return [
    `svc.${namespace}.${name}`,
    { kind: 'Service', namespace, name, type: 'ClusterIP', clusterIPs: [], ports: [], publishNotReadyAddresses: false, labels: {}, endpoints: [], ...extra },
  ];
}

/** A free TCP port on 127.0.0.1 (@halo/testing's). */
export { freePort } from '@halo/testing';

let nextId = 1;
export function query(name: string, type: string, extra: Partial<Packet> = {}): Buffer {
  nextId = (nextId + 1) & 0xffff;
  return dnsPacket.encode({ type: 'query', id: nextId, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }], ...extra });
}

export function opt(udpPayloadSize: number, flags = 0): Answer {
  return { type: 'OPT', name: '.', udpPayloadSize, flags, ednsVersion: 0, extendedRcode: 0, options: [] } as unknown as Answer;
}

/** One raw query over UDP (@halo/testing's client); null when no answer comes within timeoutMs. */
export function udpExchange(port: number, wire: Buffer, timeoutMs = 2000): Promise<Buffer | null> {
  return exchangeWire({ port }, wire, { timeoutMs }).catch((err: unknown) => {
    if (err instanceof TestingError && err.code === 'timeout') return null;
    throw err;
  });
}

/** Sends every message in one write and collects `count` framed responses (@halo/testing's client). */
export function tcpExchange(port: number, wires: Buffer[], count = wires.length): Promise<Buffer[]> {
  return pipelineTcp({ port }, wires, { count, timeoutMs: 3000 });
}

export function decode(wire: Buffer | null): DecodedPacket & { rcode: string } {
  if (!wire) throw new Error('no response');
  return dnsPacket.decode(wire) as DecodedPacket & { rcode: string };
}

/** A server on 127.0.0.1 (a free port) for the given Corefile and record sets; throws on a bad Corefile. */
export async function startServer(
  corefile: string,
  recordSets: RecordSetSource,
  metrics = new Registry(),
): Promise<{ server: DnsServer; port: number; metrics: Registry }> {
  const r = await loadServer(corefile, { context: { recordSets, metrics }, listen: { host: '127.0.0.1', port: 0 } });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { server: r.server, port: r.server.addresses()[0]!.port, metrics };
}

/** How many answers the fast path has copied out so far. */
export async function fastPathHits(metrics: Registry): Promise<number> {
  return (await metrics.getSingleMetric('halo_dns_fast_path_answers_total')?.get())?.values[0]?.value ?? 0;
}
