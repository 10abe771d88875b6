// A kubeconfig as kubectl and @kubernetes/client-node read it (JSON is YAML too).

export interface KubeconfigContext {
  /** The context's name (and its cluster's and user's). */
  name: string;
  server: string;
  /** PEM of the CA that signed the server's certificate. */
  caPem: string;
  token: string;
  namespace?: string;
}

/** A kubeconfig with these contexts, the first one current unless `current` names another. */
export function kubeconfigText(contexts: KubeconfigContext[], current = contexts[0]?.name): string {
  return `${JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: contexts.map((c) => ({ name: c.name, cluster: { server: c.server, 'certificate-authority-data': Buffer.from(c.caPem).toString('base64') } })),
      users: contexts.map((c) => ({ name: c.name, user: { token: c.token } })),
      contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.name, user: c.name, ...(c.namespace ? { namespace: c.namespace } : {}) } })),
      'current-context': current,
    },
    null,
    2,
  )}\n`;
}
