// One upstream as the forwarder sees it (CoreDNS's plugin/pkg/proxy/proxy.go): its address, its
// persistent UDP socket, its count of consecutive failures and the probe that checks it after one.
import { UdpChannel } from './persistent.ts';
import { checkHealth, type HealthCheckOptions } from './health.ts';
import { upstreamName, type UpstreamAddress } from './connect.ts';

export class Proxy {
  readonly address: UpstreamAddress;
  /** `host:port`, the `to` label of the metrics. */
  readonly name: string;
  /** The socket reused by queries while not idle for `expireMs`; null: a fresh socket per query. */
  readonly udp: UdpChannel | null;
  /** Consecutive failures, of queries or health checks. */
  fails = 0;
  private checking = false;
  /** Probing after a failure, until a check succeeds. */
  private probe: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(address: UpstreamAddress, expireMs: number) {
    this.address = address;
    this.name = upstreamName(address);
    this.udp = expireMs > 0 ? new UdpChannel(address, expireMs) : null;
  }

  /** Down once `maxFails` failures in a row happened (0: never down). */
  isDown(maxFails: number): boolean {
    return maxFails > 0 && this.fails >= maxFails;
  }

  /** Checks the upstream now (one check at a time); a failure counts, an answer clears the count. */
  async healthCheck(options: HealthCheckOptions, failed: () => void): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      if (await checkHealth(this.address, options)) this.fails = 0;
      else {
        this.fails++;
        failed();
      }
    } finally {
      this.checking = false;
    }
  }

  /** After a failure, checks every interval until the upstream answers again (as CoreDNS does). */
  startProbe(intervalMs: number, options: HealthCheckOptions, failed: () => void): void {
    if (this.probe || this.closed || intervalMs <= 0) return;
    this.probe = setInterval(() => {
      void this.healthCheck(options, failed).then(() => {
        if (this.fails === 0) this.stopProbe();
      });
    }, intervalMs);
    this.probe.unref();
  }

  private stopProbe(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }

  close(): void {
    this.closed = true;
    this.stopProbe();
    this.udp?.close();
  }
}
