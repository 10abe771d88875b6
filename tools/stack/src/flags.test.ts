// npm start's flags: what the user typed → the stack asked for, or the message they get.
import { describe, expect, it } from 'vitest';
import { readConfig, usage } from './config.ts';

describe('npm start flags', () => {
  it('defaults to the documented ports and pods insecure', () => {
    expect(readConfig([])).toEqual({
      ok: true,
      config: {
        cluster: undefined,
        manifests: undefined,
        kubePort: 16443,
        dnsPort: 1053,
        cachePort: 1054,
        configPort: 18080,
        pods: 'insecure',
        jaeger: undefined,
        natsNodes: 1,
      },
    });
  });

  it.each<[string[], object]>([
    [['--dns-port', '5353'], { dnsPort: 5353 }],
    [['--cache-port=5354', '--config-port', '8080'], { cachePort: 5354, configPort: 8080 }],
    [['--manifests', 'my-cluster.yaml', '--kube-port', '6443'], { manifests: 'my-cluster.yaml', kubePort: 6443 }],
    [['--pods', 'verified'], { pods: 'verified' }],
    [['--pods', 'disabled'], { pods: 'disabled' }],
    [['--kubeconfig', 'laptop.kubeconfig'], { cluster: { kubeconfig: 'laptop.kubeconfig', context: undefined } }],
    [['--kubeconfig', 'laptop.kubeconfig', '--context', 'staging'], { cluster: { kubeconfig: 'laptop.kubeconfig', context: 'staging' } }],
    [['--kube-server', 'http://127.0.0.1:8001'], { cluster: { server: 'http://127.0.0.1:8001' } }],
    [[], { natsNodes: 1 }],
    [['--nats-nodes', '3'], { natsNodes: 3 }],
    [['--jaeger'], { jaeger: { queryPort: 16686 } }],
    [['--jaeger', '--jaeger-port', '26686'], { jaeger: { queryPort: 26686 } }],
  ])('%j → %j', (argv, wanted) => {
    const result = readConfig(argv);
    expect(result.ok && result.config).toMatchObject(wanted);
  });

  it.each<[string[], RegExp]>([
    [['--dns-port', '0'], /--dns-port: not a port: 0/],
    [['--kube-port', '70000'], /--kube-port: not a port: 70000/],
    [['--cache-port', 'x'], /--cache-port: not a port: x/],
    [['--pods', 'sometimes'], /--pods: must be insecure, verified or disabled, not sometimes/],
    [['--kubeconfig', 'a', '--kube-server', 'http://127.0.0.1:8001'], /--kubeconfig and --kube-server: give one of them/],
    [['--context', 'staging'], /--context: give the --kubeconfig FILE it is in/],
    [['--kube-server', 'ftp://127.0.0.1:8001'], /--kube-server: http:\/\/ or https:\/\/, not ftp:/],
    [['--kube-server', '127.0.0.1:8001'], /--kube-server: not a URL: 127.0.0.1:8001/],
    [['--kubeconfig', 'a', '--manifests', 'cluster.yaml'], /--manifests seeds kube-sim, which does not run when a cluster is given/],
    [['--jaeger', '--jaeger-port', 'x'], /--jaeger-port: not a port: x/],
    [['--nats-nodes', '0'], /--nats-nodes: a whole number from 1 to 5, got "0"/],
    [['--bogus'], /Unknown option '--bogus'[\s\S]*Usage: npm start/],
    [['extra'], /Unexpected argument 'extra'[\s\S]*Usage: npm start/],
  ])('%j is refused: %s', (argv, message) => {
    const result = readConfig(argv);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
  });

  it('--help is the usage, as help', () => {
    expect(readConfig(['--help'])).toEqual({ ok: false, help: true, message: usage });
  });
});
