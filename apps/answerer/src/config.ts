// The answerer's configuration: flags first, then environment, then defaults. Read once, in one place.
import { isIP } from 'node:net';
import { availableParallelism, hostname, networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import {
  busFlags,
  busUsage,
  readBusFlags,
  parseHostPort,
  parseNatsServers,
  parsePort,
  parseWholeNumber,
  readFlags,
  splitList,
  type BusFlagsConfig,
  type ConfigResult,
} from '@halo/cli';
import { kubeadmCorefile } from '@halo/corefile';

export interface AnswererConfig {
  nats: string[];
  /** Bucket replicas and the NATS user, password file and CA (`--bus-replicas`, `--nats-user`, …). */
  bus: BusFlagsConfig;
  /** The Corefile text and where it came from (for error messages). */
  corefile: { text: string; file: string };
  /** Overrides the port of every server block (the stack runs the pool on --dns-port). */
  listen?: { host: string; port: number };
  /** With `listen`: also serve DNS here, this instance's own address (a pod's IP beside the Service's). */
  ownListen?: { host: string; port: number };
  /** The cluster domain, for the names a zone change touches. */
  zone: string;
  adminHost: string;
  adminPort: number;
  instance: string;
  /** Answerer processes sharing the DNS port, one per core by default. */
  workers: number;
  /** The addresses `ns.dns.<zone>` answers (the zone's NS target), as CoreDNS answers its own. */
  nsAddresses: string[];
}

export const usage = `Usage: halo-answerer [options]
  --nats URL[,URL]      NATS servers (env NATS_URL, default nats://127.0.0.1:4222)
${busUsage}
  --corefile FILE       Corefile (default: the one kubeadm installs for CoreDNS)
  --dns-port N          serve DNS on this port, whatever the Corefile's blocks say
  --dns-host HOST       with --dns-port: the address (default 0.0.0.0)
  --own-listen HOST:PORT  with --dns-port: also serve DNS here, this instance's own address, as a pod has
                        its IP beside the Service's (node caches that know every answerer ask it there)
  --zone NAME           cluster domain (default cluster.local)
  --admin-host HOST     admin address (default 0.0.0.0)
  --admin-port N        admin port for /healthz, /readyz, /metrics (default 8081; 0 picks a free one)
  --instance ID         this instance's name (env POD_NAME, default the host name and PID)
  --workers N           answerer processes sharing the DNS port (env HALO_WORKERS, default one per core)
  --ns-address IP[,IP]  addresses of ns.dns.<zone>, the zone's name server (env POD_IPS or POD_IP;
                        default --dns-host when it is one address, else this host's non-loopback addresses)`;

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): ConfigResult<AnswererConfig> {
  const flags = readFlags(
    argv,
    {
      nats: { type: 'string' },
      ...busFlags,
      corefile: { type: 'string' },
      'dns-port': { type: 'string' },
      'dns-host': { type: 'string' },
      'own-listen': { type: 'string' },
      zone: { type: 'string' },
      'admin-host': { type: 'string' },
      'admin-port': { type: 'string' },
      instance: { type: 'string' },
      workers: { type: 'string' },
      'ns-address': { type: 'string' },
    },
    usage,
  );
  if (!flags.ok) return flags;
  const { values } = flags;
  const nats = parseNatsServers(values.nats ?? env.NATS_URL ?? 'nats://127.0.0.1:4222', '--nats');
  if (!nats.ok) return nats;
  const bus = readBusFlags(values, env);
  if (!bus.ok) return bus;
  const adminPort = parsePort(values['admin-port'] ?? env.ADMIN_PORT ?? '8081', '--admin-port');
  if (!adminPort.ok) return adminPort;
  let listen: AnswererConfig['listen'];
  if (values['dns-port'] !== undefined) {
    const dnsPort = parsePort(values['dns-port'], '--dns-port');
    if (!dnsPort.ok) return dnsPort;
    listen = { host: values['dns-host'] ?? '0.0.0.0', port: dnsPort.value };
  }
  let ownListen: AnswererConfig['ownListen'];
  if (values['own-listen'] !== undefined) {
    if (!listen) return { ok: false, message: '--own-listen needs --dns-port (the address the instances share)' };
    const own = parseHostPort(values['own-listen'], 53, '--own-listen');
    if (!own.ok) return own;
    ownListen = own.value;
  }
  // One per core by default; only a number the operator gave is held to 1..256.
  let workers = availableParallelism();
  const workersText = values.workers ?? env.HALO_WORKERS;
  if (workersText !== undefined) {
    const parsed = parseWholeNumber(workersText, '--workers', { min: 1, max: 256 });
    if (!parsed.ok) return parsed;
    workers = parsed.value;
  }
  let corefile = { text: kubeadmCorefile, file: "kubeadm's Corefile" };
  if (values.corefile !== undefined) {
    try {
      corefile = { text: readFileSync(values.corefile, 'utf8'), file: values.corefile };
    } catch (err) {
      return { ok: false, message: `--corefile: cannot read ${values.corefile}: ${(err as Error).message}` };
    }
  }
  const nsText = values['ns-address'] ?? env.POD_IPS ?? env.POD_IP;
  let nsAddresses: string[];
  if (nsText !== undefined) {
    nsAddresses = splitList(nsText);
    const bad = nsAddresses.find((ip) => isIP(ip) === 0);
    if (bad !== undefined) return { ok: false, message: `--ns-address: not an IP address: ${bad}` };
  } else if (listen && isIP(listen.host) !== 0 && listen.host !== '0.0.0.0' && listen.host !== '::') {
    nsAddresses = [listen.host];
  } else {
    nsAddresses = hostAddresses();
  }
  return {
    ok: true,
    config: {
      nats: nats.value,
      bus: bus.value,
      corefile,
      listen,
      ...(ownListen ? { ownListen } : {}),
      zone: (values.zone ?? 'cluster.local').toLowerCase().replace(/\.$/, ''),
      adminHost: values['admin-host'] ?? '0.0.0.0',
      adminPort: adminPort.value,
      instance: values.instance ?? env.POD_NAME ?? `${hostname()}-${process.pid}`,
      workers,
      nsAddresses,
    },
  };
}

/** This host's addresses other than loopback and link-local, one per family at most (what a pod has). */
function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal || a.address.startsWith('fe80:')) continue;
      if (!out.some((x) => isIP(x) === isIP(a.address))) out.push(a.address);
    }
  }
  return out;
}
