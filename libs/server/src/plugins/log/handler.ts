// Logs each query in CoreDNS's common log format (the server keeps logged blocks off the fast path).
import type { DnsRequest, DnsResponse, Handler, Logger } from '../../types.ts';

export function inNames(qnameLower: string, names: readonly string[]): boolean {
  return names.some((n) => n === '.' || qnameLower === n || qnameLower.endsWith(`.${n}`));
}

export function commonLogLine(req: DnsRequest, res: DnsResponse, ms: number): string {
  const remote = req.remote.address.includes(':') ? `[${req.remote.address}]` : req.remote.address;
  const flags = ['qr', res.authoritative ? 'aa' : '', req.query.flags && req.query.flags & 0x0100 ? 'rd' : '', res.recursionAvailable ? 'ra' : '']
    .filter(Boolean)
    .join(',');
  return `${remote}:${req.remote.port} - ${req.id} "${req.qtype} ${req.qclass} ${req.qname}. ${req.transport} ${req.udpSize} ${req.dnssecOk} ${req.udpSize}" ${res.rcode} ${flags} ${res.answers.length} ${(ms / 1000).toFixed(9)}s`;
}

export function logHandler(names: readonly string[], logger: Logger | undefined): Handler {
  return {
    name: 'log',
    everyQuery: true,
    async serve(req, next) {
      if (!inNames(req.qnameLower, names)) return next(req);
      const started = performance.now();
      const res = await next(req);
      const line = commonLogLine(req, res, performance.now() - started);
      if (logger) logger.info({ qname: req.qname, qtype: req.qtype, rcode: res.rcode, remote: req.remote.address }, line);
      else console.log(`[INFO] ${line}`);
      return res;
    },
  };
}
