// Answers the cluster zones from a ZoneIndex kept in step with the record sets of KV halo-zone.
import { namesOf, namesTouched, ZoneIndex, type ZoneOptions } from '@halo/zone';
import type { DnsResponse, Handler, RecordSetSource } from '../../types.ts';
import type { ServerScope } from '../../scope.ts';

export interface KubernetesHandler extends Handler {
  index: ZoneIndex;
  /** Lets go of the shared index at once (nothing to wait for). */
  close(): void;
}

export interface KubernetesDeps {
  /** Zones where NXDOMAIN passes the question on (['.'] for all); null: never. */
  fallthrough: string[] | null;
  source?: RecordSetSource;
  /** Holds one index per source and options across reloads, and hears of zone changes. */
  scope: ServerScope;
  invalidate?(names: string[]): void;
}

function inZones(name: string, zones: readonly string[]): boolean {
  return zones.some((z) => z === '.' || name === z || name.endsWith(`.${z}`));
}

/** What one handler wants to hear of a change: the names it touched. */
type ChangeListener = (names: string[]) => void;

/** An index kept in step with one source, and the handlers that answer from it. */
interface LiveIndex {
  index: ZoneIndex;
  listeners: Set<ChangeListener>;
}

/** The options as a key: every field, in name order (the order setup sets them in may vary). */
function optionsKey(o: ZoneOptions): string {
  return JSON.stringify(o, Object.keys(o).sort());
}

/**
 * One index per source and zone options, held in the server's scope. A reload builds the new chains
 * beside the running ones, and a second index of 100 000 endpoints built meanwhile would double the
 * answerer's memory until the old chains close; handlers with the same options share one instead,
 * which the last one to close lets go.
 */
function openLiveIndex(scope: ServerScope, source: RecordSetSource, options: ZoneOptions): { live: LiveIndex; release: () => void } {
  const { value, release } = scope.hold<LiveIndex>(source, optionsKey(options), () => {
    // The index is the one holder of each key's record set here (the source keeps the bus's copy).
    const index = new ZoneIndex(options);
    for (const [k, rs] of source.entries()) index.put(k, rs);
    const listeners = new Set<ChangeListener>();
    const unsubscribe = source.subscribe((k, rs) => {
      const previous = index.get(k);
      if (rs) index.put(k, rs);
      else index.delete(k);
      // The index changed in this same turn: every handler drops its pre-encoded answers before the next query.
      const names = namesTouched(previous, rs, options);
      // `namespace_labels`: a Namespace's labels show or hide every record set of its namespace.
      const namespace = rs?.kind === 'Namespace' ? rs.name : previous?.kind === 'Namespace' ? previous.name : null;
      if (namespace !== null && options.namespaceLabels !== undefined) {
        for (const other of index.recordSetsIn(namespace)) names.push(...namesOf(other, options));
      }
      // Answers that chase an ExternalName into these names hold their records as well.
      names.push(...index.aliasesOf(names));
      if (names.length > 0) for (const listener of listeners) listener(names);
    });
    return { value: { index, listeners }, close: unsubscribe };
  });
  return { live: value, release };
}

const servfail: DnsResponse = { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };

const complete = (source: RecordSetSource) => source.complete ?? source.synced;

export function kubernetesHandler(options: ZoneOptions, deps: KubernetesDeps): KubernetesHandler {
  const source = deps.source;
  let close: (() => void) | null = null;
  let index: ZoneIndex;
  if (source) {
    const { live, release } = openLiveIndex(deps.scope, source, options);
    index = live.index;
    const listener: ChangeListener = (names) => {
      deps.invalidate?.(names);
      deps.scope.zoneChanged(names);
    };
    live.listeners.add(listener);
    close = () => {
      live.listeners.delete(listener);
      release();
    };
  } else {
    index = new ZoneIndex(options);
  }
  return {
    name: 'kubernetes',
    index,
    transparent: true,
    // Its answers change only with the record sets, and then it calls `invalidate`.
    fastPathWriter: true,
    authoritativeFor: (qnameLower) => index.zoneOf(qnameLower) !== null,
    ready: () => (source ? complete(source) : true),
    async serve(req, next): Promise<DnsResponse> {
      const a = index.answer({ name: req.qname, type: req.qtype });
      if (!a) return next(req);
      // A partial zone denies nothing: the name (or a CNAME's target) may be among what has not arrived yet.
      if (source && !complete(source) && (a.rcode === 'NXDOMAIN' || (a.rcode === 'NOERROR' && a.answers.length === 0))) return servfail;
      // A CNAME chain that ends in NXDOMAIN is an answer (RFC 6604): only a name that does not exist falls through.
      if (a.rcode === 'NXDOMAIN' && a.answers.length === 0 && deps.fallthrough && inZones(req.qnameLower, deps.fallthrough)) return next(req);
      if (a.rcode !== 'NOERROR' && a.rcode !== 'NXDOMAIN') return { rcode: a.rcode, answers: [], authorities: [], additionals: [] };
      return { rcode: a.rcode, authoritative: a.authoritative, answers: a.answers, authorities: a.authorities, additionals: a.additionals, live: true };
    },
    close() {
      close?.();
      close = null;
    },
  };
}
