// Monotonic reads over real sockets: answerers gated by their zone revision, and a node cache's
// `cache` + `forward` that asks with each name's revision floor (docs/architecture.md).
import { afterEach, describe, expect, it } from 'vitest';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import { readExtendedError, readRevision, revisionOptionData, REVISION_OPTION, withRevision, EDE_NOT_READY } from '@halo/dns';
import { RevisionFloor } from '@halo/cache';
import { loadServer, type DnsServer, type RevisionGate } from '../src/index.ts';
import { reply, startTestUpstream, type TestUpstream } from '@halo/testing';
import { MemoryRecordSets, opt, query, service, udpExchange } from './helpers.ts';

const WEB = 'web.shop.svc.cluster.local';

/** A gate whose revision the test moves, as a ZoneStore's moves with the KV watch. */
class TestGate implements RevisionGate {
  #revision: number;
  readonly #waiting = new Set<() => void>();
  constructor(revision: number) {
    this.#revision = revision;
  }
  get revision(): number {
    return this.#revision;
  }
  set revision(value: number) {
    this.#revision = value;
    for (const w of [...this.#waiting]) w();
  }
  reached(revision: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.#revision < revision) return;
        clearTimeout(timer);
        this.#waiting.delete(check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiting.delete(check);
        resolve(this.#revision >= revision);
      }, timeoutMs);
      this.#waiting.add(check);
      check();
    });
  }
}

interface Answerer {
  server: DnsServer;
  port: number;
  zone: MemoryRecordSets;
  gate: TestGate;
  /** The zone as of revision `revision`: web's cluster IP is 10.0.0.<revision>. */
  moveTo(revision: number): void;
}

const web = (revision: number) => service('shop', 'web', { clusterIPs: [`10.0.0.${revision}`] });

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function startAnswerer(revision: number): Promise<Answerer> {
  const zone = new MemoryRecordSets([web(revision)]);
  const gate = new TestGate(revision);
  const loaded = await loadServer('.:53 {\n    kubernetes cluster.local\n}\n', {
    context: { recordSets: zone },
    listen: { host: '127.0.0.1', port: 0 },
    revisions: gate,
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  closers.push(() => loaded.server.close());
  return {
    server: loaded.server,
    port: loaded.server.addresses()[0].port,
    zone,
    gate,
    moveTo(next) {
      zone.put(...web(next));
      gate.revision = next;
    },
  };
}

async function startCache(upstreams: number[], floor: RevisionFloor): Promise<{ server: DnsServer; port: number }> {
  const corefile = `cluster.local:53 {\n    cache 30\n    forward . ${upstreams.map((p) => `127.0.0.1:${p}`).join(' ')} {\n        policy round_robin\n        try_timeout 200ms\n    }\n}\n`;
  const loaded = await loadServer(corefile, { context: { revisionFloor: floor }, listen: { host: '127.0.0.1', port: 0 } });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  closers.push(() => loaded.server.close());
  return { server: loaded.server, port: loaded.server.addresses()[0].port };
}

/** A query for web's A record, with EDNS, asking for at least `least` when given. */
function askFor(least: number | null): Buffer {
  const wire = query(WEB, 'A', { additionals: [opt(1232)] });
  return least === null ? wire : withRevision(wire, least);
}

const ipOf = (wire: Buffer | null) => {
  const d: DecodedPacket = dnsPacket.decode(wire ?? Buffer.alloc(0));
  return (d.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : []));
};

describe('the answerer: a query that asks for a revision', () => {
  it.each([
    // name, the answerer's revision, what the query asks for, rcode, the answer, the revision it carries
    ['no option: answered as before, no revision in the reply', 3, null, 0, ['10.0.0.3'], null],
    ['a revision reached: answered, with the revision it came from', 3, 2, 0, ['10.0.0.3'], 3],
    ['the revision itself', 3, 3, 0, ['10.0.0.3'], 3],
    ['a revision not reached: REFUSED with EDE 14 after a short wait', 3, 4, 5, [], 3],
  ])('%s', async (_name, revision, least, rcode, ips, carried) => {
    const a = await startAnswerer(revision);
    // Twice: the second time from the fast path of pre-encoded answers.
    for (let i = 0; i < 2; i++) {
      const r = await udpExchange(a.port, askFor(least));
      expect(r).not.toBeNull();
      expect((r as Buffer).readUInt16BE(2) & 0xf).toBe(rcode);
      expect(ipOf(r)).toEqual(ips);
      expect(readRevision(r as Buffer)).toBe(carried);
      expect(readExtendedError(r as Buffer)).toBe(rcode === 5 ? EDE_NOT_READY : null);
    }
  });

  it('a query waits for a revision the zone reaches within the wait', async () => {
    const a = await startAnswerer(1);
    const pending = udpExchange(a.port, askFor(2));
    setTimeout(() => a.moveTo(2), 5);
    const r = await pending;
    expect(ipOf(r)).toEqual(['10.0.0.2']);
    expect(readRevision(r as Buffer)).toBe(2);
  });
});

describe('the node cache: forward asks with the floor of each name', () => {
  it('never answers older than it has answered, with one answerer behind', async () => {
    const ahead = await startAnswerer(1);
    const behind = await startAnswerer(1);
    const floor = new RevisionFloor({ zones: ['cluster.local'] });
    const cache = await startCache([ahead.port, behind.port], floor);
    expect(ipOf(await udpExchange(cache.port, query(WEB, 'A')))).toEqual(['10.0.0.1']);
    expect(floor.of(WEB)).toBe(1);
    // The change reaches one answerer and the cache's bus, not the other answerer.
    ahead.moveTo(2);
    floor.raise([WEB], 2);
    cache.server.invalidate([WEB]);
    for (let i = 0; i < 8; i++) {
      expect(ipOf(await udpExchange(cache.port, query(WEB, 'A')))).toEqual(['10.0.0.2']);
      // Round robin would send every other miss to the answerer behind: drop the cached answer each time.
      cache.server.invalidate([WEB]);
    }
    // The answer taken raised the floor to the revision it came from.
    expect(floor.of(WEB)).toBe(2);
    behind.moveTo(2);
    ahead.moveTo(3);
    const r = await udpExchange(cache.port, query(WEB, 'A'));
    expect(ipOf(r)).toEqual(['10.0.0.2']);
    // Only the cache's own answer went out: the client never sees the revision option.
    expect(readRevision(r as Buffer)).toBeNull();
  });

  // Every answerer behind the change (their watches died with a NATS server and are being resumed): the
  // cache asks again for a while rather than failing the query at once.
  it.each([
    // name, when an answerer catches up (ms; null: never), rcode, the answer
    ['one catches up within the patience of the cache: answered from it', 500, 0, ['10.0.0.2']],
    ['none catches up: SERVFAIL once the patience is spent', null, 2, []],
  ])('every answerer behind: %s', async (_name, catchUpMs, rcode, ips) => {
    const a = await startAnswerer(1);
    const b = await startAnswerer(1);
    const floor = new RevisionFloor({ zones: ['cluster.local'] });
    const cache = await startCache([a.port, b.port], floor);
    floor.raise([WEB], 2);
    if (catchUpMs !== null) setTimeout(() => b.moveTo(2), catchUpMs);
    const r = await udpExchange(cache.port, query(WEB, 'A'), 3_000);
    expect(r).not.toBeNull();
    expect((r as Buffer).readUInt16BE(2) & 0xf).toBe(rcode);
    expect(ipOf(r)).toEqual(ips);
  });

  it('an answer from before a change, still on its way when the change is heard, is asked again', async () => {
    const floor = new RevisionFloor({ zones: ['cluster.local'] });
    let release: (() => void) | null = null;
    const answerWith = (q: DecodedPacket, revision: number, ip: string) => {
      const r = reply(q, [{ name: WEB, type: 'A', ttl: 30, data: ip }]);
      const withOption = { ...opt(1232), options: [{ code: REVISION_OPTION, data: revisionOptionData(revision) }] } as unknown as Answer;
      return { ...r, additionals: [withOption] };
    };
    // The first upstream sends its old answer (revision 1) only after the change was heard.
    const slow: TestUpstream = await startTestUpstream((q) =>
      q.questions?.[0]?.name === WEB ? new Promise((resolve) => (release = () => resolve(answerWith(q, 1, '10.0.0.1')))) : 'drop',
    );
    const fresh: TestUpstream = await startTestUpstream((q) => answerWith(q, 2, '10.0.0.2'));
    closers.push(
      () => slow.close(),
      () => fresh.close(),
    );
    const corefile = `cluster.local:53 {\n    forward . 127.0.0.1:${slow.port} 127.0.0.1:${fresh.port} {\n        policy sequential\n        try_timeout 500ms\n    }\n}\n`;
    const loaded = await loadServer(corefile, { context: { revisionFloor: floor }, listen: { host: '127.0.0.1', port: 0 } });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    closers.push(() => loaded.server.close());
    const pending = udpExchange(loaded.server.addresses()[0].port, query(WEB, 'A'));
    while (release === null) await new Promise((r) => setTimeout(r, 5));
    floor.raise([WEB], 2);
    (release as () => void)();
    expect(ipOf(await pending)).toEqual(['10.0.0.2']);
    expect(floor.of(WEB)).toBe(2);
  });
});
