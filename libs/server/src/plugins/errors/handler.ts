// Turns a plugin's failure into SERVFAIL and logs it, as CoreDNS's errors plugin logs returned errors.
import type { Handler, Logger } from '../../types.ts';

export function errorsHandler(logger: Logger | undefined): Handler {
  return {
    name: 'errors',
    transparent: true,
    async serve(req, next) {
      try {
        const res = await next(req);
        if (res.rcode === 'SERVFAIL') logger?.error({ qname: req.qname, qtype: req.qtype }, `[ERROR] plugin/errors: 2 ${req.qname}. ${req.qtype}: SERVFAIL`);
        return res;
      } catch (err) {
        logger?.error(
          { err, qname: req.qname, qtype: req.qtype },
          `[ERROR] plugin/errors: 2 ${req.qname}. ${req.qtype}: ${err instanceof Error ? err.message : String(err)}`,
        );
        return { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };
      }
    },
  };
}
