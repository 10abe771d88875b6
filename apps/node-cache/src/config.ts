// The node cache's configuration: flags first, then environment, then defaults. Read once, in one place.
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { EXIT_MODES, IPTABLES_BACKENDS, type ExitMode, type IptablesBackend } from '@halo/interception';
import {
  busFlags,
  busUsage,
  readBusFlags,
  parseDurationMs,
  parseHostPorts,
  parseNatsServers,
  parsePort,
  parseWholeNumber,
  readFlags,
  type HostPort,
  type BusFlagsConfig,
  type ConfigResult,
} from '@halo/cli';

export type { HostPort };

export interface NodeCacheConfig {
  listen: HostPort[];
  /** The cluster DNS Service IP: listened on and intercepted like the link-local address. */
  serviceIp?: string;
  answerers: HostPort[];
  /** `namespace/name` of a headless Service whose endpoints are the answerers. */
  answerersService?: { namespace: string; name: string; port: number };
  kubeServer?: string;
  kubeconfig?: string;
  zone: string;
  /** Upstreams for names outside the cluster zone; empty means the node's resolv.conf. */
  upstreams: HostPort[];
  resolvConf: string;
  forceTcp: boolean;
  tryTimeoutMs: number;
  /** A Corefile given whole; then the flags above that shape the Corefile are ignored. */
  corefile?: { text: string; file: string };
  nats: string[];
  /** Bucket replicas and the NATS user, password file and CA (`--bus-replicas`, `--nats-user`, …). */
  bus: BusFlagsConfig;
  /** Cluster-zone TTL cap while the bus is down (seconds). */
  busDownTtl: number;
  setupInterface: boolean;
  interfaceName: string;
  /** What the cache leaves on the node when it stops (with --setup-interface). */
  onExit: ExitMode;
  /** The iptables back end to write to; `auto` asks the node which one kube-proxy uses. */
  iptables: IptablesBackend | 'auto';
  adminHost: string;
  adminPort?: number;
  instance: string;
}

export const usage = `Usage: halo-node-cache [options]
  --listen IP[:PORT][,...]     serve DNS here (default 169.254.20.10:53)
  --service-ip IP              the cluster DNS Service IP: listened on and intercepted too
  --answerers IP:PORT[,...]    the answerer pool
  --answerers-service NS/NAME[:PORT]  or: the endpoints of this headless Service (port default 53)
  --kube-server URL, --kubeconfig FILE  where the Kubernetes API is (with --answerers-service)
  --zone NAME                  cluster domain (default cluster.local)
  --upstream IP[:PORT][,...]   resolvers for other names (default: the nameservers of --resolv-conf)
  --resolv-conf FILE           default /etc/resolv.conf
  --force-tcp                  TCP to the answerer pool
  --try-timeout DURATION       ask the next answerer after this long (default 50ms)
  --corefile FILE              use this Corefile instead of generating one
  --nats URL[,URL]             NATS servers (env NATS_URL, default nats://127.0.0.1:4222)
${busUsage}
  --bus-down-ttl SECONDS       cap cluster-zone answers to this TTL while the bus is down (default 5)
  --setup-interface            create the dummy interface and the NOTRACK/ACCEPT rules
  --interface NAME             its name (default halo-dns0)
  --on-exit MODE               on SIGTERM: remove (default) takes the rules away, drains, then removes
                               the interface; keep leaves them (an upgrade); if-last removes them only
                               when no other instance answers on the shared address (two DaemonSets)
  --iptables MODE              auto (default: the back end kube-proxy uses on this node), legacy, nft,
                               or system (plain iptables)
  --admin-host HOST            admin address (default 0.0.0.0)
  --admin-port N               admin port for /healthz, /readyz, /metrics (default none; 0 picks one)
  --instance ID                this instance's name (env POD_NAME, default host name and PID)`;

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): ConfigResult<NodeCacheConfig> {
  const flags = readFlags(
    argv,
    {
      listen: { type: 'string' },
      'service-ip': { type: 'string' },
      answerers: { type: 'string' },
      'answerers-service': { type: 'string' },
      'kube-server': { type: 'string' },
      kubeconfig: { type: 'string' },
      zone: { type: 'string' },
      upstream: { type: 'string' },
      'resolv-conf': { type: 'string' },
      'force-tcp': { type: 'boolean' },
      'try-timeout': { type: 'string' },
      corefile: { type: 'string' },
      nats: { type: 'string' },
      ...busFlags,
      'bus-down-ttl': { type: 'string' },
      'setup-interface': { type: 'boolean' },
      interface: { type: 'string' },
      'on-exit': { type: 'string' },
      iptables: { type: 'string' },
      'admin-host': { type: 'string' },
      'admin-port': { type: 'string' },
      instance: { type: 'string' },
    },
    usage,
  );
  if (!flags.ok) return flags;
  const { values } = flags;
  const parsedListen = parseHostPorts(values.listen ?? '169.254.20.10:53', 53, '--listen');
  if (!parsedListen.ok) return parsedListen;
  const listen = parsedListen.value;
  const serviceIp = values['service-ip'];
  if (serviceIp !== undefined && net.isIP(serviceIp) === 0) return { ok: false, message: `--service-ip: "${serviceIp}" is not an IP address` };
  if (serviceIp && !listen.some((l) => l.host === serviceIp)) listen.push({ host: serviceIp, port: listen[0]?.port ?? 53 });
  const parsedAnswerers = parseHostPorts(values.answerers ?? env.HALO_ANSWERERS, 53, '--answerers');
  if (!parsedAnswerers.ok) return parsedAnswerers;
  const answerers = parsedAnswerers.value;
  let answerersService: NodeCacheConfig['answerersService'];
  if (values['answerers-service']) {
    const m = /^([a-z0-9-]+)\/([a-z0-9-]+)(?::([0-9]+))?$/.exec(values['answerers-service']);
    if (!m) return { ok: false, message: `--answerers-service: NAMESPACE/NAME[:PORT], got "${values['answerers-service']}"` };
    answerersService = { namespace: m[1], name: m[2], port: m[3] ? Number(m[3]) : 53 };
  }
  const upstreams = parseHostPorts(values.upstream, 53, '--upstream');
  if (!upstreams.ok) return upstreams;
  const tryTimeoutMs = parseDurationMs(values['try-timeout'] ?? '50ms', '--try-timeout', { min: 1 });
  if (!tryTimeoutMs.ok) return tryTimeoutMs;
  const busDownTtl = parseWholeNumber(values['bus-down-ttl'] ?? '5', '--bus-down-ttl');
  if (!busDownTtl.ok) return busDownTtl;
  const nats = parseNatsServers(values.nats ?? env.NATS_URL ?? 'nats://127.0.0.1:4222', '--nats');
  if (!nats.ok) return nats;
  const bus = readBusFlags(values, env);
  if (!bus.ok) return bus;
  let corefile: NodeCacheConfig['corefile'];
  if (values.corefile) {
    try {
      corefile = { text: readFileSync(values.corefile, 'utf8'), file: values.corefile };
    } catch (err) {
      return { ok: false, message: `--corefile: cannot read ${values.corefile}: ${(err as Error).message}` };
    }
  } else if (answerers.length === 0 && !answerersService) {
    return { ok: false, message: `give the answerer pool: --answerers IP:PORT,... or --answerers-service NS/NAME (or a whole --corefile)\n${usage}` };
  }
  const adminPort = values['admin-port'] === undefined ? undefined : parsePort(values['admin-port'], '--admin-port');
  if (adminPort && !adminPort.ok) return adminPort;
  const interfaceName = values.interface ?? 'halo-dns0';
  const onExit = values['on-exit'] ?? 'remove';
  if (!(EXIT_MODES as readonly string[]).includes(onExit)) return { ok: false, message: `--on-exit: one of ${EXIT_MODES.join(', ')}, got "${onExit}"` };
  const iptables = values.iptables ?? 'auto';
  if (iptables !== 'auto' && !(IPTABLES_BACKENDS as readonly string[]).includes(iptables))
    return { ok: false, message: `--iptables: one of auto, ${IPTABLES_BACKENDS.join(', ')}, got "${iptables}"` };
  return {
    ok: true,
    config: {
      listen,
      serviceIp,
      answerers,
      answerersService,
      kubeServer: values['kube-server'],
      kubeconfig: values.kubeconfig,
      zone: (values.zone ?? 'cluster.local').toLowerCase().replace(/\.$/, ''),
      upstreams: upstreams.value,
      resolvConf: values['resolv-conf'] ?? '/etc/resolv.conf',
      forceTcp: values['force-tcp'] === true,
      tryTimeoutMs: tryTimeoutMs.value,
      corefile,
      nats: nats.value,
      bus: bus.value,
      busDownTtl: busDownTtl.value,
      setupInterface: values['setup-interface'] === true,
      interfaceName,
      onExit: onExit as ExitMode,
      iptables: iptables as IptablesBackend | 'auto',
      adminHost: values['admin-host'] ?? '0.0.0.0',
      adminPort: adminPort?.value,
      instance: values.instance ?? env.POD_NAME ?? `${hostname()}-${process.pid}`,
    },
  };
}
