// Health checks of one upstream (CoreDNS's plugin/pkg/proxy/health.go): `<domain> IN NS`, and any
// reply at all counts as healthy.
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import { exchangeTcp, exchangeUdp, type UpstreamAddress } from './connect.ts';

export interface HealthCheckOptions {
  /** Ask over TCP (forward's force_tcp). */
  tcp: boolean;
  recursionDesired: boolean;
  /** The name asked for (`.` by default). */
  domain: string;
  timeoutMs: number;
}

/** True when the upstream answered the check in time, whatever it said. */
export async function checkHealth(to: UpstreamAddress, options: HealthCheckOptions): Promise<boolean> {
  const query = dnsPacket.encode({
    type: 'query',
    id: randomInt(0, 65536),
    flags: options.recursionDesired ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ name: options.domain === '.' ? '' : options.domain, type: 'NS', class: 'IN' }],
  });
  try {
    await (options.tcp ? exchangeTcp : exchangeUdp)(to, query, options.timeoutMs);
    return true;
  } catch {
    return false;
  }
}
