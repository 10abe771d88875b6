// Per-query spans, made only when the server is loaded with `traceQueries` (the apps set it when
// OTEL_TRACES_SAMPLER asks for it): the server then holds a QuerySpans, and the one check per query is
// whether it holds one. Each span is a root (DNS carries no trace context), so the sampler decides at the
// root; the question and answers are decoded only for the spans it keeps.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import dnsPacket from 'dns-packet';
import { decodeQuery, rcodeName } from '@halo/dns';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_CLIENT_PORT,
  ATTR_DNS_ANSWERED_BY,
  ATTR_DNS_ANSWERS,
  ATTR_DNS_QUESTION_NAME,
  ATTR_DNS_QUESTION_TYPE,
  ATTR_DNS_RCODE,
  ATTR_NETWORK_TRANSPORT,
  dnsQuerySpanName,
  tracer,
} from '@halo/telemetry';

export class QuerySpans {
  /**
   * One answered query: `wire` the query, `reply` the answer, `startedMs` when it came in
   * (performance.now()), `answeredBy` `fast`, `cache` or the plugin that ended the chain.
   */
  answered(wire: Buffer, reply: Buffer, transport: 'udp' | 'tcp', answeredBy: string, startedMs: number, remote?: { address: string; port: number }): void {
    const span = tracer.startSpan('DNS', { kind: SpanKind.SERVER, startTime: startedMs }, ROOT_CONTEXT);
    if (span.isRecording()) {
      const decoded = decodeQuery(wire);
      const rcode = reply.length >= 4 ? rcodeName(reply.readUInt8(3) & 0x0f) : 'FORMERR';
      if (decoded.ok) {
        span.updateName(dnsQuerySpanName(decoded.query.qtype));
        span.setAttribute(ATTR_DNS_QUESTION_NAME, decoded.query.qnameLower);
        span.setAttribute(ATTR_DNS_QUESTION_TYPE, decoded.query.qtype);
      }
      span.setAttribute(ATTR_DNS_RCODE, rcode);
      span.setAttribute(ATTR_DNS_ANSWERED_BY, answeredBy);
      span.setAttribute(ATTR_NETWORK_TRANSPORT, transport);
      if (remote) {
        span.setAttribute(ATTR_CLIENT_ADDRESS, remote.address);
        span.setAttribute(ATTR_CLIENT_PORT, remote.port);
      }
      const answers = addresses(reply);
      if (answers.length > 0) span.setAttribute(ATTR_DNS_ANSWERS, answers);
      if (rcode === 'SERVFAIL') span.setStatus({ code: SpanStatusCode.ERROR, message: 'SERVFAIL' });
    }
    span.end();
  }
}

/** The A and AAAA addresses of an answer (dns.answers), or none when it does not decode. */
function addresses(reply: Buffer): string[] {
  try {
    return (dnsPacket.decode(reply).answers ?? []).flatMap((a) => (a.type === 'A' || a.type === 'AAAA' ? [a.data] : []));
  } catch {
    return [];
  }
}
