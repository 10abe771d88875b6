// CoreDNS's loop check: at start the plugin asks its own server for a random HINFO name under the block's
// zone (`N.N.ZONE`). If that question reaches it three times, an upstream sends our queries back to us:
// a forwarding loop (typically `forward . /etc/resolv.conf` where resolv.conf names this very server).
// That is fatal, as in CoreDNS: logged with CoreDNS's words, and the process exits (ServerContext.fatal).
// After the probe was answered (or 30 s of trying), the plugin steps aside.
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import dnsPacket from 'dns-packet';
import type { DnsRequest, Handler, Logger } from '../../types.ts';
import { exchangeUdp } from '../../proxy/connect.ts';

export interface LoopHandler extends Handler {
  probeName: string;
  seen(): number;
}

export interface LoopDeps {
  logger?: Logger;
  /** The addresses the block listens on, once bound. Without it no probe is sent. */
  listening?(): { host: string; port: number }[];
  fatal?(message: string): void;
}

/** How long CoreDNS keeps trying to get its probe through at start, and waits after it did. */
const PROBE_DEADLINE_MS = 30_000;
const PROBE_TIMEOUT_MS = 2_000;
const PROBE_RETRY_MS = 1_000;
const SETTLE_MS = 2_000;

// A random number below 2^62 per label, as CoreDNS draws them (randomInt takes at most 2^48, so two draws).
function label(): string {
  return String(BigInt(randomInt(0, 2 ** 31)) * 2n ** 31n + BigInt(randomInt(0, 2 ** 31)));
}

/** `host:port` as Go's net.JoinHostPort writes it; the wildcard addresses are the empty host, as CoreDNS prints them. */
function joinHostPort(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '' : host;
  return net.isIPv6(h) ? `[${h}]:${port}` : `${h}:${port}`;
}

function fqdn(name: string): string {
  return name === '.' ? '.' : `${name}.`;
}

function inZone(name: string, zone: string): boolean {
  return zone === '.' || name === zone || name.endsWith(`.${zone}`);
}

function defaultFatal(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

export function loopHandler(zone: string, deps: LoopDeps = {}): LoopHandler {
  const probeName = zone === '.' ? `${label()}.${label()}` : `${label()}.${label()}.${zone}`;
  let count = 0;
  let off = false;
  let fatalSent = false;
  let closed = false;
  let address = '';

  const detected = (req: DnsRequest): void => {
    fatalSent = true;
    const remote = joinHostPort(req.remote.address, req.remote.port);
    const message = `Loop (${remote} -> ${address}) detected for zone "${fqdn(zone)}", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO ${fqdn(probeName)}"`;
    deps.logger?.error({ plugin: 'loop', probe: probeName }, `[FATAL] plugin/loop: ${message}`);
    (deps.fatal ?? defaultFatal)(`[FATAL] plugin/loop: ${message}`);
  };

  /** Asks our own server for the probe until something answers (then 2 s more), for 30 s at most. */
  const probe = async (): Promise<void> => {
    const deadline = Date.now() + PROBE_DEADLINE_MS;
    const query = dnsPacket.encode({
      type: 'query',
      id: randomInt(0, 65536),
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name: probeName, type: 'HINFO', class: 'IN' }],
    });
    while (!closed && Date.now() < deadline) {
      const self = deps.listening?.()[0];
      if (!self || self.port === 0) {
        // Not listening yet: start() runs before the server binds.
        await sleep(50);
        continue;
      }
      address = joinHostPort(self.host, self.port);
      const host = self.host === '0.0.0.0' ? '127.0.0.1' : self.host === '::' ? '::1' : self.host;
      try {
        await exchangeUdp({ host, port: self.port }, query, PROBE_TIMEOUT_MS);
      } catch {
        // No answer within the timeout: start counting again, and try once more.
        count = 0;
        await sleep(PROBE_RETRY_MS);
        continue;
      }
      await sleep(SETTLE_MS);
      break;
    }
    off = true;
  };

  return {
    name: 'loop',
    transparent: true,
    probeName,
    seen: () => count,
    start() {
      if (deps.listening) void probe();
      else off = true;
      return Promise.resolve();
    },
    async serve(req, next) {
      if (req.qtype !== 'HINFO' || off || !inZone(req.qnameLower, zone)) return next(req);
      if (req.qnameLower !== probeName) return next(req);
      if (++count > 2) {
        if (!fatalSent) detected(req);
        // Where the process goes on (a fatal hook that does not exit), the probe stops here.
        return { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };
      }
      return next(req);
    },
    close() {
      closed = true;
    },
  };
}
