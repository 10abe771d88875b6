// CoreDNS's loop check: a random HINFO name under the block's zone. If queries for it reach us
// more than twice, our upstream sends them back to us: log it loudly and stop passing the probe on
// (CoreDNS exits; we do not, because the answerer's cluster zone still works without upstream).
// The probe is not sent by the plugin: a query to ourselves at start would reach every upstream.
import { randomInt } from 'node:crypto';
import type { Handler, Logger } from '../../types.ts';

export interface LoopHandler extends Handler {
  probeName: string;
  seen(): number;
}

export function loopHandler(zone: string, logger: Logger | undefined): LoopHandler {
  const label = () => String(randomInt(1, 2 ** 47));
  const probeName = `${label()}.${label()}${zone === '.' ? '' : `.${zone}`}`;
  let count = 0;
  return {
    name: 'loop',
    probeName,
    seen: () => count,
    async serve(req, next) {
      if (req.qtype === 'HINFO' && req.qnameLower === probeName) {
        count++;
        if (count === 3) logger?.error({ probe: probeName }, `[FATAL] plugin/loop: Loop (${req.remote.address} -> :53) detected for zone "${zone}"`);
        // Passed on like any query: if it comes back to us, the upstream loops.
        if (count >= 3) return { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };
      }
      return next(req);
    },
  };
}
