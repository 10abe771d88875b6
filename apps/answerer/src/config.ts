// The answerer's configuration: flags first, then environment, then defaults. Read once, in one place.
import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import { availableParallelism, hostname, networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import { kubeadmCorefile } from '@halo/corefile';

export interface AnswererConfig {
  nats: string[];
  /** The Corefile text and where it came from (for error messages). */
  corefile: { text: string; file: string };
  /** Overrides the port of every server block (the stack runs the pool on --dns-port). */
  listen?: { host: string; port: number };
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
  --corefile FILE       Corefile (default: the one kubeadm installs for CoreDNS)
  --dns-port N          serve DNS on this port, whatever the Corefile's blocks say
  --dns-host HOST       with --dns-port: the address (default 0.0.0.0)
  --zone NAME           cluster domain (default cluster.local)
  --admin-host HOST     admin address (default 0.0.0.0)
  --admin-port N        admin port for /healthz, /readyz, /metrics (default 8081; 0 picks a free one)
  --instance ID         this instance's name (env POD_NAME, default the host name and PID)
  --workers N           answerer processes sharing the DNS port (env HALO_WORKERS, default one per core)
  --ns-address IP[,IP]  addresses of ns.dns.<zone>, the zone's name server (env POD_IPS or POD_IP;
                        default --dns-host when it is one address, else this host's non-loopback addresses)`;

export type ConfigResult = { ok: true; config: AnswererConfig } | { ok: false; message: string };

function port(value: string | undefined, flag: string): number | string {
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : `${flag}: not a port: ${value}`;
}

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): ConfigResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        nats: { type: 'string' },
        corefile: { type: 'string' },
        'dns-port': { type: 'string' },
        'dns-host': { type: 'string' },
        zone: { type: 'string' },
        'admin-host': { type: 'string' },
        'admin-port': { type: 'string' },
        instance: { type: 'string' },
        workers: { type: 'string' },
        'ns-address': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { ok: false, message: `${(err as Error).message}\n${usage}` };
  }
  if (values.help) return { ok: false, message: usage };
  const adminPort = port(values['admin-port'] ?? env.ADMIN_PORT ?? '8081', '--admin-port');
  if (typeof adminPort === 'string') return { ok: false, message: adminPort };
  let listen: AnswererConfig['listen'];
  if (values['dns-port'] !== undefined) {
    const dnsPort = port(values['dns-port'], '--dns-port');
    if (typeof dnsPort === 'string') return { ok: false, message: dnsPort };
    listen = { host: values['dns-host'] ?? '0.0.0.0', port: dnsPort };
  }
  const workersText = values.workers ?? env.HALO_WORKERS;
  const workers = workersText === undefined ? availableParallelism() : Number(workersText);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) return { ok: false, message: `--workers: a number from 1 to 256, not ${workersText}` };
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
    nsAddresses = nsText.split(',').map((s) => s.trim()).filter(Boolean);
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
      nats: (values.nats ?? env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim()).filter(Boolean),
      corefile,
      listen,
      zone: (values.zone ?? 'cluster.local').toLowerCase().replace(/\.$/, ''),
      adminHost: values['admin-host'] ?? '0.0.0.0',
      adminPort,
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
