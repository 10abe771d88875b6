import { describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigText } from './kubeconfig.ts';

const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('kubeconfigText', () => {
  it.each([
    {
      name: 'one context is current',
      contexts: [{ name: 'a', server: 'https://127.0.0.1:6443', caPem: ca, token: 't-a' }],
      current: undefined,
      wanted: { context: 'a', server: 'https://127.0.0.1:6443', token: 't-a', namespace: undefined },
    },
    {
      name: 'another context made current, with its namespace',
      contexts: [
        { name: 'a', server: 'https://127.0.0.1:6443', caPem: ca, token: 't-a' },
        { name: 'b', server: 'https://127.0.0.1:7443', caPem: ca, token: 't-b', namespace: 'kube-system' },
      ],
      current: 'b',
      wanted: { context: 'b', server: 'https://127.0.0.1:7443', token: 't-b', namespace: 'kube-system' },
    },
  ])('client-node reads it: $name', ({ contexts, current, wanted }) => {
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigText(contexts, current));
    expect(kc.getCurrentContext()).toBe(wanted.context);
    expect(kc.getCurrentCluster()?.server).toBe(wanted.server);
    expect(Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString()).toBe(ca);
    expect(kc.getCurrentUser()?.token).toBe(wanted.token);
    expect(kc.getContextObject(wanted.context)?.namespace).toBe(wanted.namespace);
  });
});
