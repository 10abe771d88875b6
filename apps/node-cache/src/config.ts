// The node cache's configuration: flags first, then environment, then defaults. Read once, in one place.
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

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
  /** Cluster-zone TTL cap while the bus is down (seconds). */
  busDownTtl: number;
  setupInterface: boolean;
  interfaceName: string;
  skipTeardown: boolean;
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
  --bus-down-ttl SECONDS       cap cluster-zone answers to this TTL while the bus is down (default 5)
  --setup-interface            create the dummy interface and the NOTRACK/ACCEPT rules
  --interface NAME             its name (default halo-dns0)
  --skip-teardown              leave interface and rules on exit (two instances share them)
  --admin-host HOST            admin address (default 0.0.0.0)
  --admin-port N               admin port for /healthz, /readyz, /metrics (default none; 0 picks one)
  --instance ID                this instance's name (env POD_NAME, default host name and PID)`;

export type ConfigResult = { ok: true; config: NodeCacheConfig } | { ok: false; message: string };

/** `IP`, `IP:PORT`, `[IPv6]:PORT`. */
export function parseHostPort(text: string, defaultPort: number): HostPort | null {
  let host = text.trim();
  let port = defaultPort;
  const bracketed = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(host);
  if (bracketed) {
    host = bracketed[1];
    if (bracketed[2]) port = Number(bracketed[2]);
  } else if (!net.isIPv6(host) && host.includes(':')) {
    port = Number(host.slice(host.lastIndexOf(':') + 1));
    host = host.slice(0, host.lastIndexOf(':'));
  }
  if (net.isIP(host) === 0 || !Number.isInteger(port) || port < 0 || port > 65535) return null;
  return { host, port };
}

function hostPorts(text: string | undefined, defaultPort: number, flag: string): HostPort[] | string {
  if (!text) return [];
  const out: HostPort[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const hp = parseHostPort(part, defaultPort);
    if (!hp) return `${flag}: "${part}" is not IP, IP:PORT or [IPv6]:PORT`;
    out.push(hp);
  }
  return out;
}

/** `50ms`, `1.5s`, or milliseconds. */
export function parseMs(text: string): number | null {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s)?$/.exec(text.trim());
  return m ? Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1)) : null;
}

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): ConfigResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
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
        'bus-down-ttl': { type: 'string' },
        'setup-interface': { type: 'boolean' },
        interface: { type: 'string' },
        'skip-teardown': { type: 'boolean' },
        'admin-host': { type: 'string' },
        'admin-port': { type: 'string' },
        instance: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { ok: false, message: `${(err as Error).message}\n${usage}` };
  }
  if (values.help) return { ok: false, message: usage };
  const listen = hostPorts(values.listen ?? '169.254.20.10:53', 53, '--listen');
  if (typeof listen === 'string') return { ok: false, message: listen };
  const serviceIp = values['service-ip'];
  if (serviceIp !== undefined && net.isIP(serviceIp) === 0) return { ok: false, message: `--service-ip: "${serviceIp}" is not an IP address` };
  if (serviceIp && !listen.some((l) => l.host === serviceIp)) listen.push({ host: serviceIp, port: listen[0]?.port ?? 53 });
  const answerers = hostPorts(values.answerers ?? env.HALO_ANSWERERS, 53, '--answerers');
  if (typeof answerers === 'string') return { ok: false, message: answerers };
  let answerersService: NodeCacheConfig['answerersService'];
  if (values['answerers-service']) {
    const m = /^([a-z0-9-]+)\/([a-z0-9-]+)(?::([0-9]+))?$/.exec(values['answerers-service']);
    if (!m) return { ok: false, message: `--answerers-service: NAMESPACE/NAME[:PORT], got "${values['answerers-service']}"` };
    answerersService = { namespace: m[1], name: m[2], port: m[3] ? Number(m[3]) : 53 };
  }
  const upstreams = hostPorts(values.upstream, 53, '--upstream');
  if (typeof upstreams === 'string') return { ok: false, message: upstreams };
  const tryTimeoutMs = parseMs(values['try-timeout'] ?? '50ms');
  if (tryTimeoutMs === null || tryTimeoutMs < 1) return { ok: false, message: `--try-timeout: a duration like 50ms, got ${values['try-timeout']}` };
  const busDownTtl = Number(values['bus-down-ttl'] ?? '5');
  if (!Number.isInteger(busDownTtl) || busDownTtl < 0) return { ok: false, message: `--bus-down-ttl: whole seconds, got ${values['bus-down-ttl']}` };
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
  let adminPort: number | undefined;
  if (values['admin-port'] !== undefined) {
    adminPort = Number(values['admin-port']);
    if (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) return { ok: false, message: `--admin-port: not a port: ${values['admin-port']}` };
  }
  const interfaceName = values.interface ?? 'halo-dns0';
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
      upstreams,
      resolvConf: values['resolv-conf'] ?? '/etc/resolv.conf',
      forceTcp: values['force-tcp'] === true,
      tryTimeoutMs,
      corefile,
      nats: (values.nats ?? env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim()).filter(Boolean),
      busDownTtl,
      setupInterface: values['setup-interface'] === true,
      interfaceName,
      skipTeardown: values['skip-teardown'] === true,
      adminHost: values['admin-host'] ?? '0.0.0.0',
      adminPort,
      instance: values.instance ?? env.POD_NAME ?? `${hostname()}-${process.pid}`,
    },
  };
}
