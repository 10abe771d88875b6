// What the stack's load tests share: a headless Service whose one endpoint changes on demand, and a
// steady stream of DNS queries while something happens.
import type { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import type { query } from '@halo/testing';

export const ipsOf = (r: Awaited<ReturnType<typeof query>>) => (r.answers ?? []).flatMap((a) => (a.type === 'A' ? [String(a.data)] : [])).sort();

/** A headless Service `name` in shop whose one endpoint is 10.244.<n>.<n>: each change a higher n. */
export async function headless(core: CoreV1Api, discovery: DiscoveryV1Api, name: string) {
  await core.createNamespacedService({
    namespace: 'shop',
    body: { metadata: { name, namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'g', port: 7946, protocol: 'TCP' }] } },
  });
  const slice = (n: number, resourceVersion?: string) => ({
    metadata: { name: `${name}-1`, namespace: 'shop', labels: { 'kubernetes.io/service-name': name }, resourceVersion },
    addressType: 'IPv4',
    ports: [{ name: 'g', port: 7946, protocol: 'TCP' }],
    endpoints: [{ addresses: [`10.244.${n}.${n}`], conditions: { ready: true } }],
  });
  await discovery.createNamespacedEndpointSlice({ namespace: 'shop', body: slice(1) });
  return async (n: number) => {
    const current = await discovery.readNamespacedEndpointSlice({ namespace: 'shop', name: `${name}-1` });
    await discovery.replaceNamespacedEndpointSlice({ namespace: 'shop', name: `${name}-1`, body: slice(n, current.metadata?.resourceVersion) });
  };
}

/**
 * Queries through the node cache, `workers` at a time, while `during` runs; `ask` sends one (each test
 * asks once with a 1 s deadline, no retry) and returns what was wrong with its answer, or null.
 */
export async function stream(
  during: () => Promise<void>,
  ask: (i: number) => Promise<string | null>,
  workers = 4,
): Promise<{ sent: number; failures: string[] }> {
  const failures: string[] = [];
  let stop = false;
  let sent = 0;
  const worker = async () => {
    while (!stop) {
      const failure = await ask(sent++).catch((err: Error) => err.message);
      if (failure !== null) failures.push(failure);
    }
  };
  const running = Array.from({ length: workers }, worker);
  try {
    await during();
  } finally {
    stop = true;
    await Promise.all(running);
  }
  return { sent, failures };
}
