// CoreDNS's loop check: a random HINFO name under the block's zone. If queries for it reach us
// more than twice, our upstream sends them back to us: log it loudly (CoreDNS exits; we do not,
// because the answerer's cluster zone still works without upstream).
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
        return { rcode: 'NXDOMAIN', answers: [], authorities: [], additionals: [] };
      }
      return next(req);
    },
  };
}
