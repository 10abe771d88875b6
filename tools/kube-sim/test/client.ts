// A @kubernetes/client-node configuration pointed at a kube-sim.
import { KubeConfig } from '@kubernetes/client-node';

export function kubeConfigFor(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sim', server: url, skipTLSVerify: true }],
    users: [{ name: 'sim' }],
    contexts: [{ name: 'sim', cluster: 'sim', user: 'sim' }],
    currentContext: 'sim',
  });
  return kc;
}

/** The Kubernetes Status body of a failed call (ApiException.body is the raw JSON text). */
export async function failureOf(
  call: Promise<unknown>,
): Promise<{ code: number; body: { reason?: string; message?: string; code?: number; details?: { causes?: Array<{ field: string; reason: string }> } } }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code?: number; body?: unknown };
    const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    return { code: e.code ?? 0, body: body as never };
  }
  throw new Error('the call succeeded, a failure was expected');
}

/** Polls until check passes (no fixed sleeps). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
