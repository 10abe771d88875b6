// What every overlay renders (`kubectl kustomize` or `kustomize build`), read as a platform team reads
// it before an install: where each object goes, which image runs, whether anything needs cluster DNS to
// start, what takes over the cluster DNS Service, and what each pod may do on its node.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { kubeadmCorefile } from '@halo/corefile';
import { findJaeger, freePort, jaegerMissingMessage, spawnProcess, waitFor, type ChildHandle } from '@halo/testing';

const deploy = fileURLToPath(new URL('../', import.meta.url));

/** How this machine renders an overlay: `kubectl kustomize DIR`, else `kustomize build DIR`. */
function findRenderer(): { file: string; args: string[] } | null {
  for (const [file, args, probe] of [
    ['kubectl', ['kustomize'], ['version', '--client']],
    ['kustomize', ['build'], ['version']],
  ] as const) {
    try {
      execFileSync(file, [...probe], { stdio: 'ignore' });
      return { file, args: [...args] };
    } catch {
      // not installed
    }
  }
  return null;
}
const renderer = findRenderer();
if (!renderer)
  console.warn(
    'deploy overlay tests skipped: neither kubectl nor kustomize is installed (`go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0`; .ci/run does it)',
  );

interface Probe {
  httpGet?: { path: string; port: number | string; host?: string };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface SecurityContext {
  runAsUser?: number;
  runAsNonRoot?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string };
  sysctls?: { name: string; value: string }[];
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } } }[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: { cpu?: string; memory?: string }; limits?: { memory?: string } };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Volume {
  name: string;
  hostPath?: { path: string };
  configMap?: { name: string };
  secret?: { secretName: string; items?: { key: string; path: string }[]; defaultMode?: number };
}
interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values: string[] }[];
}
interface NetworkPolicyRule {
  ports?: { port: number; protocol?: string }[];
  from?: { podSelector?: LabelSelector; ipBlock?: { cidr: string } }[];
}
interface PodSpec {
  serviceAccountName?: string;
  priorityClassName?: string;
  hostNetwork?: boolean;
  dnsPolicy?: string;
  enableServiceLinks?: boolean;
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: string; effect?: string }[];
  securityContext?: SecurityContext;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}
interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    replicas?: number;
    selector?: Record<string, string> & { matchLabels?: Record<string, string> };
    template?: { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
    clusterIP?: string;
    publishNotReadyAddresses?: boolean;
    ports?: { name?: string; port: number; protocol?: string }[];
    endpoints?: { port: string }[];
    podMetricsEndpoints?: { port: string }[];
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: NetworkPolicyRule[];
  };
  data?: Record<string, string>;
  subjects?: { kind: string; name: string; namespace?: string }[];
  rules?: { resources?: string[] }[];
}

const OVERLAYS = ['dev', 'production'] as const;
const CLUSTER_SCOPED = new Set(['ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'Namespace', 'CustomResourceDefinition']);
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
/** Containers that change the node's network: root, with the capabilities iptables and ip need. */
const NODE_CONTAINERS = new Set(['node-cache', 'guard']);
/** NodeLocal DNSCache's ports on the host network: ours must not take them, so both can run during the move. */
const NODELOCAL_PORTS = [53, 8080, 9253, 9353];

const rendered = new Map<string, Obj[]>();
function render(overlay: string): Obj[] {
  const cached = rendered.get(overlay);
  if (cached) return cached;
  if (!renderer) throw new Error('no renderer');
  const text = execFileSync(renderer.file, [...renderer.args, join(deploy, 'overlays', overlay)], { encoding: 'utf8' });
  const objs = parseAllDocuments(text).map((d) => d.toJS() as Obj);
  rendered.set(overlay, objs);
  return objs;
}
const overlayFile = (overlay: string) =>
  parse(readFileSync(join(deploy, 'overlays', overlay, 'kustomization.yaml'), 'utf8')) as { images?: { name: string; newName?: string; newTag?: string }[] };

const workloads = (objs: Obj[]) => objs.filter((o) => WORKLOADS.has(o.kind));
const podSpec = (o: Obj): PodSpec => o.spec?.template?.spec as PodSpec;
const containersOf = (o: Obj) => [...(podSpec(o).initContainers ?? []), ...podSpec(o).containers];
const allContainers = (objs: Obj[]) => workloads(objs).flatMap((w) => containersOf(w).map((c) => ({ workload: w, pod: podSpec(w), container: c })));
const find = (objs: Obj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const names = (objs: Obj[], kind: string) =>
  objs
    .filter((o) => o.kind === kind)
    .map((o) => o.metadata.name)
    .sort();
/** Images that are not Halo's: NATS (the bus) and Jaeger (components/tracing). */
const isHalo = (image: string) => !image.includes('nats') && !image.includes('jaeger');
/** Workloads of components/tracing: not on the DNS path, so not held to the critical add-ons' placement. */
const isTracing = (o: Obj) => o.spec?.template?.metadata.labels?.['app.kubernetes.io/component'] === 'tracing';
/** The variable name Kubernetes injects for a Service (`halo-nats` → `HALO_NATS`). */
const serviceVar = (service: string) => service.toUpperCase().replaceAll('-', '_');
/** Every `$(VAR)` an env value or argument refers to. */
const references = (text: string) => [...text.matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1] as string);
const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const effective = (pod: PodSpec, c: Container) => ({ ...pod.securityContext, ...c.securityContext });

/** The apps that use the bus (the image's first argument); each connects as the NATS user of that name. */
const BUS_APPS = ['answerer', 'config', 'node-cache', 'watcher'];
/** A `--name=value` flag's value. */
const flag = (args: string[] | undefined, name: string) => args?.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
/** The Secret and key a file in the container comes from (a Secret volume's item), if it does. */
function secretFile(pod: PodSpec, c: Container, file = ''): { secret: string; key: string } | undefined {
  const mount = c.volumeMounts?.find((m) => file.startsWith(`${m.mountPath}/`));
  const secret = pod.volumes?.find((v) => v.name === mount?.name)?.secret;
  const item = secret?.items?.find((i) => i.path === file.slice((mount?.mountPath.length ?? 0) + 1));
  return secret && item ? { secret: secret.secretName, key: item.key } : undefined;
}
const matchesSelector = (selector: LabelSelector, labels: Record<string, string> = {}) =>
  selects(selector.matchLabels ?? {}, labels) && (selector.matchExpressions ?? []).every((e) => e.operator === 'In' && e.values.includes(labels[e.key] ?? ''));
/** The value of a literal of a ConfigMap generator in the overlay's kustomization.yaml. */
function generatedLiteral(overlay: string, name: string, key: string): string | undefined {
  const file = parse(readFileSync(join(deploy, 'overlays', overlay, 'kustomization.yaml'), 'utf8')) as {
    configMapGenerator?: { name: string; literals?: string[] }[];
  };
  return file.configMapGenerator
    ?.find((g) => g.name === name)
    ?.literals?.find((l) => l.startsWith(`${key}=`))
    ?.slice(key.length + 1);
}

describe('deploy base', () => {
  it("runs the answerers on kubeadm's Corefile, unchanged", () => {
    expect(readFileSync(join(deploy, 'base/Corefile'), 'utf8')).toBe(kubeadmCorefile);
  });
});

describe.skipIf(!renderer).each(OVERLAYS)('overlay %s, rendered', (overlay) => {
  it('has every app, the bus and the node caches', () => {
    const objs = render(overlay);
    expect(names(objs, 'Deployment')).toEqual(
      overlay === 'dev' ? ['halo-answerer', 'halo-config', 'halo-jaeger', 'halo-watcher'] : ['halo-answerer', 'halo-config', 'halo-watcher'],
    );
    expect(names(objs, 'StatefulSet')).toEqual(['halo-nats']);
    expect(names(objs, 'DaemonSet')).toEqual(overlay === 'production' ? ['halo-node-cache', 'halo-node-cache-b'] : ['halo-node-cache']);
    expect(find(objs, 'Deployment', 'halo-watcher')?.spec?.replicas).toBe(2);
    for (const ds of objs.filter((o) => o.kind === 'DaemonSet')) {
      expect(podSpec(ds).hostNetwork).toBe(true);
      expect(podSpec(ds).containers.map((c) => c.name)).toEqual(['node-cache', 'guard']);
    }
    // The watcher may hold its Lease.
    expect(objs.some((o) => o.kind === 'Role' && o.rules?.some((r) => r.resources?.includes('leases')))).toBe(true);
  });

  it('puts every object in kube-system, and binds only ServiceAccounts that are there', () => {
    const objs = render(overlay);
    const outside = objs.filter((o) => !CLUSTER_SCOPED.has(o.kind) && o.metadata.namespace !== 'kube-system').map((o) => `${o.kind}/${o.metadata.name}`);
    expect(outside).toEqual([]);
    const accounts = new Set(objs.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name));
    for (const binding of objs.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
      for (const s of binding.subjects ?? []) {
        expect(s, `${binding.kind}/${binding.metadata.name}`).toMatchObject({ kind: 'ServiceAccount', namespace: 'kube-system' });
        expect(accounts.has(s.name), `${binding.metadata.name} binds ${s.name}`).toBe(true);
      }
    }
    for (const w of workloads(objs)) {
      const sa = podSpec(w).serviceAccountName;
      if (sa) expect(accounts.has(sa), `${w.metadata.name} runs as ${sa}`).toBe(true);
    }
  });

  it('runs one image reference and tag in every Halo container, the one the overlay sets, and NATS pinned', () => {
    const objs = render(overlay);
    const set = overlayFile(overlay).images?.find((i) => i.name === 'halo-dns/halo');
    expect(set?.newTag, 'the overlay sets the tag through images:').toMatch(/^\d+\.\d+\.\d+/);
    const images = allContainers(objs).map((x) => x.container.image);
    const halo = new Set(images.filter(isHalo));
    expect([...halo]).toEqual([`${set?.newName ?? set?.name}:${set?.newTag}`]);
    // Every app of the repo runs from it: the entry point's first argument names the app.
    const apps = new Set(
      allContainers(objs)
        .filter((x) => isHalo(x.container.image))
        .map((x) => x.container.args?.[0]),
    );
    expect([...apps].sort()).toEqual(['answerer', 'config', 'node-cache', 'node-guard', 'watcher']);
    const nats = images.filter((i) => i.includes('nats'));
    expect(nats).toHaveLength(1);
    expect(nats[0]).toMatch(/^[\w./-]+nats:\d+\.\d+\.\d+$/);
    // Jaeger, in dev only, pinned too.
    const jaeger = images.filter((i) => i.includes('jaeger'));
    expect(jaeger).toEqual(overlay === 'dev' ? [expect.stringMatching(/^[\w./-]+jaeger:2\.\d+\.\d+$/)] : []);
  });

  it('needs no cluster DNS to start: the node resolvers, the bus and the API server by injected addresses', () => {
    const objs = render(overlay);
    const services = new Set(objs.filter((o) => o.kind === 'Service').map((o) => serviceVar(o.metadata.name)));
    for (const w of workloads(objs)) {
      // As CoreDNS and NodeLocal DNSCache: the node's resolv.conf, so that `forward . /etc/resolv.conf`
      // and every name an app might look up never reach cluster DNS.
      expect(podSpec(w).dnsPolicy, w.metadata.name).toBe('Default');
      // The Service variables are injected only with service links on.
      expect(podSpec(w).enableServiceLinks, w.metadata.name).not.toBe(false);
    }
    for (const { workload, container } of allContainers(objs)) {
      const where = `${workload.metadata.name}/${container.name}`;
      // --nats-tls-name is the name the NATS certificate carries, checked and never looked up.
      const texts = [...(container.args ?? []).filter((a) => !a.startsWith('--nats-tls-name=')), ...(container.env ?? []).map((e) => e.value ?? '')];
      for (const text of texts) {
        expect(text, where).not.toMatch(/\.svc\b|cluster\.local|halo-nats[.:]/);
        const defined = new Set((container.env ?? []).map((e) => e.name));
        for (const ref of references(text)) {
          // Either the container's own variable or one Kubernetes injects for a Service of this namespace.
          const service = /^(.+)_SERVICE_(HOST|PORT.*)$/.exec(ref)?.[1];
          expect(defined.has(ref) || (service !== undefined && services.has(service)), `${where}: $(${ref})`).toBe(true);
        }
      }
      const nats = container.env?.find((e) => e.name === 'NATS_URL');
      const scheme = overlay === 'production' ? 'tls' : 'nats';
      if (nats) expect(nats.value, where).toBe(`${scheme}://$(HALO_NATS_SERVICE_HOST):$(HALO_NATS_SERVICE_PORT_CLIENT)`);
    }
    // The NATS servers find each other by one Service per server, reachable before any is ready.
    const sts = find(objs, 'StatefulSet', 'halo-nats') as Obj;
    const routes = (containersOf(sts)[0]?.env ?? []).filter((e) => e.name.startsWith('NATS_ROUTE_'));
    expect(routes).toHaveLength(sts.spec?.replicas ?? 0);
    for (const [i, route] of routes.entries()) {
      expect(route.value).toBe(`nats://$(HALO_NATS_ROUTE_${i}_SERVICE_HOST):6222`);
      const svc = find(objs, 'Service', `halo-nats-route-${i}`);
      expect(svc?.spec?.publishNotReadyAddresses).toBe(true);
      expect(svc?.spec?.selector).toMatchObject({ 'statefulset.kubernetes.io/pod-name': `halo-nats-${i}` });
    }
    const conf = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('halo-nats-config'))?.data?.['nats.conf'] ?? '';
    expect(conf).toMatch(/routes: \[\s*\$NATS_ROUTE_0\s*\$NATS_ROUTE_1\s*\$NATS_ROUTE_2\s*\]/);
  });

  it('gives every container that waits for something a start-up probe before liveness counts', () => {
    for (const { workload, container } of allContainers(render(overlay))) {
      const where = `${workload.metadata.name}/${container.name}`;
      if (!container.livenessProbe) continue;
      const startup = container.startupProbe;
      expect(startup, `${where} has a liveness probe and no start-up probe`).toBeDefined();
      // At least two minutes for the bus and the zone.
      expect((startup?.periodSeconds ?? 10) * (startup?.failureThreshold ?? 3), where).toBeGreaterThanOrEqual(120);
    }
    const answerer = containersOf(find(render(overlay), 'Deployment', 'halo-answerer') as Obj)[0] as Container;
    // The Corefile's health and ready plugins.
    expect(answerer.livenessProbe?.httpGet).toMatchObject({ path: '/health', port: 8080 });
    expect(answerer.readinessProbe?.httpGet).toMatchObject({ path: '/ready', port: 8181 });
  });

  it('takes over the cluster DNS Service kube-dns: label, selector, ports, metrics port 9153 with scrape annotations, its address kept', () => {
    const objs = render(overlay);
    const dns = objs.filter((o) => o.kind === 'Service' && o.metadata.labels?.['k8s-app'] === 'kube-dns');
    expect(dns.map((s) => s.metadata.name)).toEqual(['kube-dns']);
    const svc = dns[0] as Obj;
    expect(svc.spec?.clusterIP, 'applied over the existing kube-dns, it keeps the address kubelet gives pods').toBeUndefined();
    expect(svc.spec?.selector).toEqual({ 'k8s-app': 'kube-dns' });
    expect(svc.spec?.ports?.map((p) => [p.name, p.port, p.protocol])).toEqual([
      ['dns', 53, 'UDP'],
      ['dns-tcp', 53, 'TCP'],
      ['metrics', 9153, 'TCP'],
    ]);
    expect(svc.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9153' });
    // It selects the answerers and no other Halo pods.
    const selected = workloads(objs).filter((w) => selects(svc.spec?.selector ?? {}, w.spec?.template?.metadata.labels));
    expect(selected.map((w) => w.metadata.name)).toEqual(['halo-answerer']);
    const answerer = containersOf(selected[0] as Obj)[0] as Container;
    expect(answerer.ports?.find((p) => p.name === 'metrics')?.containerPort).toBe(9153);
    expect(kubeadmCorefile).toContain('prometheus :9153');
  });

  it('has security contexts that work with either iptables back end: RuntimeDefault seccomp, non-root but the node cache and guard', () => {
    const objs = render(overlay);
    for (const { workload, pod, container } of allContainers(objs)) {
      const where = `${workload.metadata.name}/${container.name}`;
      const sc = effective(pod, container);
      expect(sc.seccompProfile?.type, where).toBe('RuntimeDefault');
      expect(container.securityContext?.allowPrivilegeEscalation, where).toBe(false);
      expect(container.securityContext?.readOnlyRootFilesystem, where).toBe(true);
      expect(container.securityContext?.capabilities?.drop, where).toEqual(['ALL']);
      if (NODE_CONTAINERS.has(container.name)) {
        expect(sc.runAsUser, where).toBe(0);
        // ip and iptables-nft need NET_ADMIN; iptables-legacy opens raw sockets too (NET_RAW).
        const wanted = container.name === 'node-cache' ? ['NET_ADMIN', 'NET_BIND_SERVICE', 'NET_RAW'] : ['NET_ADMIN', 'NET_RAW'];
        expect([...(container.securityContext?.capabilities?.add ?? [])].sort(), where).toEqual(wanted);
        // The legacy back end's lock, shared with kube-proxy on the node.
        const mount = container.volumeMounts?.find((m) => m.mountPath === '/run/xtables.lock');
        expect(pod.volumes?.find((v) => v.name === mount?.name)?.hostPath?.path, where).toBe('/run/xtables.lock');
      } else {
        expect(sc.runAsNonRoot, where).toBe(true);
        expect(sc.runAsUser, where).toBeGreaterThan(0);
        expect(container.securityContext?.capabilities?.add ?? [], where).toEqual([]);
      }
    }
    // The answerer, unprivileged, binds port 53 by the namespaced sysctl.
    const answerer = podSpec(find(objs, 'Deployment', 'halo-answerer') as Obj);
    expect(answerer.securityContext?.sysctls).toContainEqual({ name: 'net.ipv4.ip_unprivileged_port_start', value: '53' });
  });

  it('sets requests and a memory limit on every container, NATS included', () => {
    for (const { workload, container } of allContainers(render(overlay))) {
      const where = `${workload.metadata.name}/${container.name}`;
      expect(container.resources?.requests?.cpu, where).toBeDefined();
      expect(container.resources?.requests?.memory, where).toBeDefined();
      expect(container.resources?.limits?.memory, where).toBeDefined();
    }
  });

  it('has the tolerations and priority classes of the CoreDNS and NodeLocal DNSCache manifests', () => {
    for (const w of workloads(render(overlay)).filter((o) => !isTracing(o))) {
      const pod = podSpec(w);
      expect(pod.nodeSelector, w.metadata.name).toEqual({ 'kubernetes.io/os': 'linux' });
      expect(pod.tolerations, w.metadata.name).toContainEqual({ key: 'CriticalAddonsOnly', operator: 'Exists' });
      if (w.kind === 'DaemonSet') {
        expect(pod.priorityClassName).toBe('system-node-critical');
        // Every node, whatever its taints.
        expect(pod.tolerations).toEqual(
          expect.arrayContaining([
            { effect: 'NoExecute', operator: 'Exists' },
            { effect: 'NoSchedule', operator: 'Exists' },
          ]),
        );
      } else {
        expect(pod.priorityClassName, w.metadata.name).toBe('system-cluster-critical');
        expect(pod.tolerations, w.metadata.name).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
      }
    }
  });

  it("runs node caches that fit beside each other and beside NodeLocal DNSCache, on kube-dns's address, leaving nothing behind", () => {
    const objs = render(overlay);
    const caches = objs.filter((o) => o.kind === 'DaemonSet');
    const hostPorts = caches.flatMap((ds) => podSpec(ds).containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)));
    expect(new Set(hostPorts).size, 'no host port twice').toBe(hostPorts.length);
    expect(hostPorts.filter((p) => NODELOCAL_PORTS.includes(p))).toEqual([]);
    for (const ds of caches) {
      const [cache, guard] = podSpec(ds).containers as [Container, Container];
      expect(cache.args).toEqual(expect.arrayContaining(['--listen=169.254.20.10:53', '--service-ip=$(KUBE_DNS_SERVICE_HOST)', '--setup-interface']));
      expect(guard.args).toContain('--addresses=169.254.20.10,$(KUBE_DNS_SERVICE_HOST)');
      // One DaemonSet removes everything on exit; two sharing the address, the last one out does.
      const onExit = caches.length === 1 ? '--on-exit=remove' : '--on-exit=if-last';
      expect(cache.args).toContain(onExit);
      expect(guard.args).toContain(onExit);
      expect(ds.spec?.template?.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true' });
    }
  });

  it(overlay === 'production' ? 'has the Prometheus Operator monitors of components/monitoring' : 'leaves the Prometheus Operator monitors out', () => {
    const objs = render(overlay);
    const monitor = find(objs, 'ServiceMonitor', 'halo-dns');
    if (overlay !== 'production') {
      expect(monitor).toBeUndefined();
      return;
    }
    expect(monitor?.spec?.selector).toEqual({ matchLabels: { 'k8s-app': 'kube-dns' } });
    const kubeDns = find(objs, 'Service', 'kube-dns');
    for (const endpoint of monitor?.spec?.endpoints ?? []) expect(kubeDns?.spec?.ports?.map((p) => p.name)).toContain(endpoint.port);
    expect(find(objs, 'PodMonitor', 'halo-node-cache')).toBeDefined();
    // The watchers' admin port, named as the monitor says.
    const watcherMonitor = find(objs, 'PodMonitor', 'halo-watcher');
    const watcher = containersOf(find(objs, 'Deployment', 'halo-watcher') as Obj)[0];
    expect(watcherMonitor?.spec?.podMetricsEndpoints?.map((e) => e.port)).toEqual(['admin']);
    expect(watcher?.ports?.map((p) => p.name)).toContain('admin');
    // The Grafana dashboard, labelled for Grafana's sidecar, as in the repo.
    const dashboard = find(objs, 'ConfigMap', 'halo-dns-dashboard');
    expect(dashboard?.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(dashboard?.data?.['halo-dns.json']).toBe(readFileSync(join(deploy, 'components/monitoring/dashboards/halo-dns.json'), 'utf8'));
  });

  it('puts the OTEL_* variables on every Halo container: its service name, its pod and node, the one collector address', () => {
    const objs = render(overlay);
    // The one place the address is set: components/tracing for dev, the overlay itself for production.
    const onePlace = join(deploy, overlay === 'dev' ? 'components/tracing' : 'overlays/production', 'kustomization.yaml');
    const generators = (parse(readFileSync(onePlace, 'utf8')) as { configMapGenerator?: { name: string; literals?: string[] }[] }).configMapGenerator ?? [];
    const literal = generators.find((g) => g.name === 'halo-tracing')?.literals?.find((l) => l.startsWith('OTEL_EXPORTER_OTLP_ENDPOINT='));
    const endpoint = literal?.slice('OTEL_EXPORTER_OTLP_ENDPOINT='.length);
    expect(endpoint, onePlace).toMatch(/^http:\/\//);
    const halo = allContainers(objs).filter((x) => isHalo(x.container.image));
    expect(halo.length).toBeGreaterThanOrEqual(5);
    for (const { workload, container } of halo) {
      const where = `${workload.metadata.name}/${container.name}`;
      const env = container.env ?? [];
      const value = (name: string) => env.find((e) => e.name === name)?.value;
      const fieldOf = (name: string) => env.find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;
      expect(value('OTEL_SERVICE_NAME'), where).toBe(`halo-${container.args?.[0]}`);
      expect(value('OTEL_EXPORTER_OTLP_ENDPOINT'), where).toBe(endpoint);
      const attributes = Object.fromEntries((value('OTEL_RESOURCE_ATTRIBUTES') ?? '').split(',').map((kv) => kv.split('=') as [string, string]));
      const pod = /^\$\((\w+)\)$/.exec(attributes['k8s.pod.name'] ?? '')?.[1] ?? '';
      const node = /^\$\((\w+)\)$/.exec(attributes['k8s.node.name'] ?? '')?.[1] ?? '';
      expect(fieldOf(pod), `${where}: k8s.pod.name from the downward API`).toBe('metadata.name');
      expect(fieldOf(node), `${where}: k8s.node.name from the downward API`).toBe('spec.nodeName');
      // Kubernetes expands $(VAR) only from variables defined before it in the list.
      for (const [i, e] of env.entries()) {
        for (const ref of references(e.value ?? '')) {
          if (/_SERVICE_(HOST|PORT)/.test(ref)) continue;
          expect(
            env.findIndex((d) => d.name === ref),
            `${where}: ${e.name} refers to $(${ref}) before it is defined`,
          ).toBeGreaterThanOrEqual(0);
          expect(
            env.findIndex((d) => d.name === ref),
            `${where}: ${e.name} refers to $(${ref}) before it is defined`,
          ).toBeLessThan(i);
        }
      }
    }
  });

  it('connects every app to the bus as its own NATS user, its password a file from its own key of halo-nats-users', () => {
    const objs = render(overlay);
    const secret = objs.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith('halo-nats-users'));
    // dev brings fixed passwords, marked dev-only; production commits none: the operator creates the Secret.
    if (overlay === 'dev') expect(Object.keys(secret?.data ?? {}).sort()).toEqual(BUS_APPS);
    else expect(secret).toBeUndefined();
    const secretName = secret?.metadata.name ?? 'halo-nats-users';
    const bus = allContainers(objs).filter((x) => BUS_APPS.includes(x.container.args?.[0] ?? ''));
    expect([...new Set(bus.map((x) => x.container.args?.[0]))].sort()).toEqual(BUS_APPS);
    for (const { workload, pod, container } of bus) {
      const where = `${workload.metadata.name}/${container.name}`;
      const user = container.args?.[0];
      expect(flag(container.args, '--nats-user'), where).toBe(user);
      expect(secretFile(pod, container, flag(container.args, '--nats-password-file')), where).toEqual({ secret: secretName, key: user });
      // Only its own key is in the pod, readable by the container's user alone (root, or the pod's fsGroup).
      const volume = pod.volumes?.find((v) => v.secret?.secretName === secretName);
      expect(
        volume?.secret?.items?.map((i) => i.key),
        where,
      ).toEqual([user]);
      const sc = effective(pod, container);
      if (sc.runAsUser === 0) expect(volume?.secret?.defaultMode, where).toBe(0o400);
      else {
        expect(volume?.secret?.defaultMode, where).toBe(0o440);
        expect((pod.securityContext as { fsGroup?: number } | undefined)?.fsGroup, where).toBe(sc.runAsUser);
      }
    }
    // No other container sees the passwords as files.
    for (const { workload, pod, container } of allContainers(objs).filter((x) => !BUS_APPS.includes(x.container.args?.[0] ?? ''))) {
      const mounted = (container.volumeMounts ?? []).map((m) => pod.volumes?.find((v) => v.name === m.name)?.secret?.secretName);
      expect(mounted, `${workload.metadata.name}/${container.name}`).not.toContain(secretName);
    }
    // The servers get every user's password from the same Secret, under the names nats.conf reads.
    const nats = containersOf(find(objs, 'StatefulSet', 'halo-nats') as Obj)[0] as Container;
    const conf = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('halo-nats-config'))?.data?.['nats.conf'] ?? '';
    const users = [...conf.matchAll(/user: ([\w-]+)\n\s*password: \$(\w+)\n/g)].map((m) => [m[1] as string, m[2] as string]);
    expect(users.map(([u]) => u).sort()).toEqual(BUS_APPS);
    for (const [user, variable] of users) {
      expect(nats.env?.find((e) => e.name === variable)?.valueFrom?.secretKeyRef, `$${variable}`).toEqual({ name: secretName, key: user });
    }
  });

  it(overlay === 'production' ? 'runs TLS on the NATS client port, every app checking it with the CA of halo-nats-tls' : 'runs the bus without TLS', () => {
    const objs = render(overlay);
    const config = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('halo-nats-config'))?.data ?? {};
    expect(config['nats.conf']).toMatch(/^include \.\/tls\.conf$/m);
    const bus = allContainers(objs).filter((x) => BUS_APPS.includes(x.container.args?.[0] ?? ''));
    if (overlay !== 'production') {
      expect(config['tls.conf']).not.toMatch(/^tls \{/m);
      for (const { container } of bus) expect(flag(container.args, '--nats-ca'), container.name).toBeUndefined();
      return;
    }
    const sts = find(objs, 'StatefulSet', 'halo-nats') as Obj;
    const nats = containersOf(sts)[0] as Container;
    const tls = /^tls \{[^}]*cert_file: (\S+)\s+key_file: (\S+)/m.exec(config['tls.conf'] ?? '');
    expect(secretFile(podSpec(sts), nats, tls?.[1]), 'cert_file').toEqual({ secret: 'halo-nats-tls', key: 'tls.crt' });
    expect(secretFile(podSpec(sts), nats, tls?.[2]), 'key_file').toEqual({ secret: 'halo-nats-tls', key: 'tls.key' });
    for (const { workload, pod, container } of bus) {
      const where = `${workload.metadata.name}/${container.name}`;
      expect(secretFile(pod, container, flag(container.args, '--nats-ca')), where).toEqual({ secret: 'halo-nats-tls', key: 'ca.crt' });
      // The name the certificate carries (deploy/README.md): the apps dial an IP address.
      expect(flag(container.args, '--nats-tls-name'), where).toBe('halo-nats.kube-system.svc');
    }
  });

  it(overlay === 'production' ? 'keeps every bucket on the three NATS servers (--bus-replicas=3)' : "keeps the buckets at the apps' default replicas", () => {
    const objs = render(overlay);
    expect(find(objs, 'StatefulSet', 'halo-nats')?.spec?.replicas).toBe(3);
    for (const { workload, container } of allContainers(objs).filter((x) => BUS_APPS.includes(x.container.args?.[0] ?? ''))) {
      expect(flag(container.args, '--bus-replicas'), `${workload.metadata.name}/${container.name}`).toBe(overlay === 'production' ? '3' : undefined);
    }
  });

  it("admits only Halo's pods to the NATS client port, the node caches by the nodes' range, and only NATS to the route port", () => {
    const objs = render(overlay);
    const policies = objs.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.map((p) => p.metadata.name)).toEqual(['halo-nats']);
    const policy = policies[0] as Obj;
    const sts = find(objs, 'StatefulSet', 'halo-nats') as Obj;
    const podsOf = (selector: LabelSelector) =>
      workloads(objs)
        .filter((w) => matchesSelector(selector, w.spec?.template?.metadata.labels))
        .map((w) => w.metadata.name)
        .sort();
    expect(podsOf(policy.spec?.podSelector ?? {})).toEqual(['halo-nats']);
    expect(policy.spec?.policyTypes).toEqual(['Ingress']);
    const port = (name: string) => containersOf(sts)[0]?.ports?.find((p) => p.name === name)?.containerPort;
    const rule = (p: number | undefined) => policy.spec?.ingress?.find((r) => r.ports?.some((x) => x.port === p));
    expect(policy.spec?.ingress?.flatMap((r) => r.ports?.map((p) => p.port) ?? []).sort()).toEqual([port('client'), port('cluster')].sort());
    // The client port: the bus apps' pods by label, but those on the host network, which no pod selector matches.
    const client = rule(port('client'))?.from ?? [];
    const bus = workloads(objs).filter((w) => containersOf(w).some((c) => BUS_APPS.includes(c.args?.[0] ?? '')));
    const byLabel = bus
      .filter((w) => !podSpec(w).hostNetwork)
      .map((w) => w.metadata.name)
      .sort();
    expect([...new Set(client.flatMap((f) => (f.podSelector ? podsOf(f.podSelector) : [])))].sort()).toEqual(byLabel);
    expect(bus.filter((w) => podSpec(w).hostNetwork).length).toBeGreaterThan(0);
    // The node caches by the nodes' range, set in one place: the overlay's ConfigMap halo-network.
    const cidr = generatedLiteral(overlay, 'halo-network', 'NODE_CIDR');
    expect(cidr).toMatch(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/);
    expect(client.filter((f) => f.ipBlock).map((f) => f.ipBlock?.cidr)).toEqual([cidr]);
    expect(
      objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'halo-network'),
      'local to the build, not applied',
    ).toBeUndefined();
    // The route port: the NATS servers alone.
    const route = rule(port('cluster'))?.from ?? [];
    expect(route.map((f) => (f.podSelector ? podsOf(f.podSelector) : f))).toEqual([['halo-nats']]);
  });

  it(
    overlay === 'dev'
      ? 'runs Jaeger v2 with its OTLP and query Services, the address the variables point at'
      : 'runs no Jaeger: the variables point at the collector set in the overlay',
    () => {
      const objs = render(overlay);
      const jaeger = find(objs, 'Deployment', 'halo-jaeger');
      if (overlay !== 'dev') {
        expect(jaeger).toBeUndefined();
        expect(find(objs, 'Service', 'halo-otlp')).toBeUndefined();
        return;
      }
      const labels = jaeger?.spec?.template?.metadata.labels ?? {};
      const otlp = find(objs, 'Service', 'halo-otlp');
      const query = find(objs, 'Service', 'halo-jaeger-query');
      expect(selects(otlp?.spec?.selector ?? { none: 'x' }, labels)).toBe(true);
      expect(selects(query?.spec?.selector ?? { none: 'x' }, labels)).toBe(true);
      expect(otlp?.spec?.ports?.map((p) => [p.name, p.port])).toEqual([
        ['otlp-grpc', 4317],
        ['otlp-http', 4318],
      ]);
      expect(query?.spec?.ports?.map((p) => [p.name, p.port])).toEqual([['query', 16686]]);
      // The variables Kubernetes injects for halo-otlp's port otlp-http are the ones the endpoint names.
      const endpoint = allContainers(objs)
        .find((x) => x.container.name === 'watcher')
        ?.container.env?.find((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')?.value;
      expect(endpoint).toBe(`http://$(${serviceVar('halo-otlp')}_SERVICE_HOST):$(${serviceVar('halo-otlp')}_SERVICE_PORT_${serviceVar('otlp-http')})`);
      const container = containersOf(jaeger as Obj)[0];
      expect(container?.args).toEqual(['--config=file:/etc/jaeger/config.yaml']);
      expect(find(objs, 'ConfigMap', 'halo-jaeger-config')?.data?.['config.yaml']).toContain('enable_tracing: false');
    },
  );
});

// The tracing component's Jaeger config, run by a real Jaeger v2 with only its listening addresses moved to
// free ports on 127.0.0.1: it takes OTLP and serves the trace on its query API.
const jaegerBin = (() => {
  try {
    return findJaeger();
  } catch (error) {
    console.warn(`the Jaeger config test is skipped: ${(error as Error).message}`);
    return null;
  }
})();
if (jaegerBin === null) console.warn(`the Jaeger config test is skipped: ${jaegerMissingMessage}`);

describe.skipIf(jaegerBin === null || !renderer)('components/tracing Jaeger config', () => {
  let jaeger: ChildHandle | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'halo-jaeger-conf-'));
  afterAll(async () => {
    await jaeger?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes OTLP over HTTP and serves the trace on its query API', async () => {
    const conf = find(render('dev'), 'ConfigMap', 'halo-jaeger-config')?.data?.['config.yaml'] ?? '';
    const ports = new Map<string, number>();
    for (const port of [...conf.matchAll(/0\.0\.0\.0:(\d+)/g)].map((m) => m[1] as string)) ports.set(port, await freePort());
    expect([...ports.keys()].sort()).toEqual(['13133', '16685', '16686', '4317', '4318']);
    const local = conf.replace(/0\.0\.0\.0:(\d+)/g, (_all, port: string) => `127.0.0.1:${ports.get(port)}`);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, local);
    jaeger = await spawnProcess(jaegerBin as string, [`--config=file:${file}`]);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${ports.get('13133')}/status`).catch(() => null))?.ok === true, {
      timeoutMs: 30_000,
      message: 'Jaeger never became healthy',
    });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = {
      traceId,
      spanId: 'b7ad6b7169203331',
      name: 'zone publish',
      kind: 1,
      startTimeUnixNano: String(now),
      endTimeUnixNano: String(now + 1_000_000n),
    };
    const body = {
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'halo-watcher' } }] }, scopeSpans: [{ spans: [span] }] }],
    };
    const sent = await fetch(`http://127.0.0.1:${ports.get('4318')}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(sent.status).toBe(200);
    const names = await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${ports.get('16686')}/api/traces/${traceId}`);
        const json = response.ok ? ((await response.json()) as { data?: { spans: { operationName: string }[] }[] }) : null;
        return json?.data?.[0]?.spans.map((s) => s.operationName) ?? null;
      },
      { timeoutMs: 15_000, message: 'the span never showed up in Jaeger' },
    );
    expect(names).toEqual(['zone publish']);
  });
});
