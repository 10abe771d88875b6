// Monotonic reads, the answerer's side: a query that carries the least zone revision it may be answered
// from (`REVISION_OPTION`, sent by node caches) is answered only once this server's zone has reached it:
// at once when it has, after a short wait for the zone to catch up, or else REFUSED with EDE 14
// (Not Ready), which a node cache takes as "ask the next answerer". Every answer to such a query carries
// the revision it was answered from. A query without the option costs one look at its last bytes.
import { decodeQuery, DEFAULT_UDP_SIZE, EDE_NOT_READY, encodeResponse, errorReply, MAX_MESSAGE_SIZE, readRevision, withRevision } from '@halo/dns';

/** The zone revision a server answers from (the answerer: its ZoneStore). */
export interface RevisionGate {
  /** The revision of the zone as this process answers from it now. */
  readonly revision: number;
  /** Resolves true once `revision` has reached the given one, false after timeoutMs. */
  reached(revision: number, timeoutMs: number): Promise<boolean>;
}

/** How long a query may wait for the zone to catch up: below a node cache's try_timeout (50 ms). */
export const REVISION_WAIT_MS = 30;

interface Answering<F, R> {
  answerNow(wire: Buffer, family: F): Buffer | null;
  /** answerNow into a send buffer (UDP); see UdpHandler.answerNowInto. */
  answerNowInto?(wire: Buffer, family: F, out: Buffer, at: number, room: number): Buffer | number | null;
  answer(wire: Buffer, remote: R): Promise<Buffer | null>;
}

/** The handler of a listener with the revision check in front of it; the handler itself without a gate. */
export function revisionGated<F, R>(
  handler: Answering<F, R>,
  gate: RevisionGate | undefined,
  transport: 'udp' | 'tcp',
  waitMs = REVISION_WAIT_MS,
): Answering<F, R> {
  if (!gate) return handler;
  const maxSize = transport === 'udp' ? DEFAULT_UDP_SIZE : MAX_MESSAGE_SIZE;
  const answerNow = (wire: Buffer, family: F): Buffer | null => {
    const least = readRevision(wire);
    if (least === null) return handler.answerNow(wire, family);
    // Behind: the slow path waits for the zone.
    const at = gate.revision;
    if (at < least) return null;
    const reply = handler.answerNow(wire, family);
    return reply && withRevision(reply, at, maxSize);
  };
  const into = handler.answerNowInto;
  return {
    answerNow,
    // A query with the option gets its revision appended to the reply: answered as a Buffer.
    answerNowInto:
      into === undefined
        ? undefined
        : (wire, family, out, at, room) => (readRevision(wire) === null ? into(wire, family, out, at, room) : answerNow(wire, family)),
    answer: async (wire, remote) => {
      const least = readRevision(wire);
      if (least === null) return handler.answer(wire, remote);
      if (gate.revision < least && !(await gate.reached(least, waitMs))) return withRevision(notReady(wire, gate.revision, least), gate.revision, maxSize);
      // Taken before the chain runs: the answer holds at least this revision's data.
      const at = gate.revision;
      const reply = await handler.answer(wire, remote);
      return reply && withRevision(reply, at, maxSize);
    },
  };
}

/** REFUSED with EDE 14 and the question echoed; a bare REFUSED when the query does not decode. */
function notReady(query: Buffer, at: number, least: number): Buffer {
  const decoded = decodeQuery(query);
  if (!decoded.ok) return decoded.reply ?? errorReply(query, 'REFUSED') ?? Buffer.alloc(0);
  const q = decoded.query;
  const text = Buffer.from(`zone at revision ${at}, asked for ${least}`);
  const ede = Buffer.concat([Buffer.from([0, EDE_NOT_READY]), text]);
  const encoded = encodeResponse(
    {
      id: q.id,
      rcode: 'REFUSED',
      rd: q.rd,
      cd: q.cd,
      question: { name: q.qname, type: q.qtypeNumber, class: q.qclassNumber },
      answers: [],
      authorities: [],
      additionals: [],
      edns: { dnssecOk: q.edns?.dnssecOk ?? false, options: [{ code: 15, data: ede }] },
    },
    MAX_MESSAGE_SIZE,
  );
  return encoded.ok ? encoded.wire : (errorReply(query, 'REFUSED') ?? Buffer.alloc(0));
}
