// Corefile fragments: what an operator may add to cluster DNS, checked whole before anything runs, and
// the effective Corefile an instance appends to its own.
import { parseCorefile, type CorefileError, type Directive } from '@halo/corefile';
import { validateCorefile } from '@halo/server';
import { defaultNetworks, refusedReverseZone, refusedUpstream, type ClusterNetworks } from './networks.ts';

export type Target = 'answerer' | 'node-cache';

export interface FragmentText {
  name: string;
  text: string;
  targets: Target[];
}

export interface ValidationOptions {
  /** The cluster domain; fragments may not serve it or anything below it. */
  clusterZone?: string;
  /** The other live fragments: two fragments may not claim one zone. */
  others?: FragmentText[];
  /** The zones each target's own Corefile serves: a fragment may not claim them (the target would refuse the whole). */
  own?: Partial<Record<Target, readonly string[]>>;
  /** The Service, Pod and node ranges (default: `defaultNetworks`). */
  networks?: ClusterNetworks;
}

/**
 * The plugins a fragment may use, by target. Instance-wide plugins (health, ready, prometheus, reload,
 * loop) and the cluster zone's own (kubernetes) belong to the instance's Corefile, not to a fragment.
 */
export const fragmentPlugins: Record<Target, readonly string[]> = {
  answerer: ['errors', 'log', 'rewrite', 'template', 'hosts', 'cache', 'loadbalance', 'forward', 'whoami'],
  'node-cache': ['errors', 'log', 'rewrite', 'template', 'hosts', 'cache', 'loadbalance', 'forward', 'whoami'],
};

const reverseZones = ['in-addr.arpa', 'ip6.arpa'];

export function fragmentFile(name: string): string {
  return `fragment ${name}`;
}

const under = (zone: string, parent: string) => zone === parent || zone.endsWith(`.${parent}`);

/** The zones a fragment's server blocks serve; empty when it does not parse. */
export function fragmentZones(fragment: FragmentText): string[] {
  const parsed = parseCorefile(fragment.text, fragmentFile(fragment.name), { untrusted: true });
  return parsed.ok ? parsed.corefile.blocks.flatMap((b) => b.addresses.map((a) => a.zone)) : [];
}

/** Every error of a fragment, each with file, line and column; empty when it may be applied. */
export function validateFragment(fragment: FragmentText, options: ValidationOptions = {}): CorefileError[] {
  const file = fragmentFile(fragment.name);
  const clusterZone = (options.clusterZone ?? 'cluster.local').toLowerCase();
  if (fragment.text.trim() === '')
    return [
      {
        file,
        line: 1,
        column: 1,
        message: 'the fragment is empty: give at least one server block, e.g. `example.internal { hosts { 10.1.2.3 app.example.internal } }`',
      },
    ];
  // Untrusted: no placeholder is expanded and no file is read, here or (since they are refused) where it runs.
  const parsed = parseCorefile(fragment.text, file, { untrusted: true });
  if (!parsed.ok) return parsed.errors;
  const networks = options.networks ?? defaultNetworks;
  const errors: CorefileError[] = [];
  const at = (pos: { line: number; column: number }, message: string) => errors.push({ file, line: pos.line, column: pos.column, message });

  const claimed = new Map<string, string>();
  const ownZones = new Map<string, Target>();
  for (const target of fragment.targets) for (const zone of options.own?.[target] ?? []) ownZones.set(zone, target);
  for (const other of options.others ?? []) {
    if (other.name === fragment.name) continue;
    for (const zone of fragmentZones(other)) claimed.set(zone, other.name);
  }
  const refusedKeys = new Set<unknown>();
  for (const block of parsed.corefile.blocks) {
    for (const address of block.addresses) {
      const { zone, port, key } = address;
      if (zone === '.') at(key.pos, `a fragment may not serve the root zone "." : that is every name; forward a zone of your own instead`);
      else if (under(zone, clusterZone)) at(key.pos, `a fragment may not serve ${zone}: the cluster zone ${clusterZone} belongs to the kubernetes plugin`);
      else if (under(clusterZone, zone)) at(key.pos, `a fragment may not serve ${zone}: it is above the cluster zone ${clusterZone}`);
      else if (reverseZones.includes(zone))
        at(
          key.pos,
          `a fragment may not serve ${zone}: the reverse zones belong to the kubernetes plugin (a zone below it, e.g. 168.192.in-addr.arpa, is fine)`,
        );
      else if (!refusedKeys.has(key)) {
        // A CIDR key stands for many zones: one error for the key is enough.
        const refused = refusedReverseZone(zone, networks);
        if (refused) {
          refusedKeys.add(key);
          at(key.pos, `a fragment may not serve "${key.text}": ${refused}`);
        }
      }
      if (port !== null && port !== 53) at(key.pos, `a fragment's blocks are served on the instance's DNS port; remove ":${port}" from "${key.text}"`);
      const owner = claimed.get(zone);
      if (owner) at(key.pos, `zone ${zone} is already served by fragment "${owner}"; fragments "${fragment.name}" and "${owner}" may not both claim it`);
      const ownTarget = zone === '.' ? undefined : ownZones.get(zone);
      if (ownTarget) at(key.pos, `zone ${zone} is already served by the ${ownTarget}'s own Corefile; the ${ownTarget} would refuse the whole configuration`);
    }
    for (const directive of block.directives) {
      if (checkPlugin(directive, fragment.targets, at)) checkArguments(directive, networks, at);
    }
  }
  if (errors.length > 0) return errors;
  // Every plugin's own setup checks its arguments (upstream addresses, regular expressions); nothing is started.
  return validateCorefile(fragment.text, file, { untrusted: true });
}

type At = (pos: { line: number; column: number }, message: string) => void;

/** What a fragment's plugin may name beyond what its setup checks: no file, no upstream on the instance or the nodes. */
function checkArguments(directive: Directive, networks: ClusterNetworks, at: At): void {
  if (directive.name === 'hosts' && directive.args.length > 0) {
    at(
      directive.args[0].pos,
      `a fragment's hosts reads no file ("${directive.args[0].text}"): write its entries inline, e.g. hosts { 10.1.2.3 app.example.internal }`,
    );
  }
  if (directive.name === 'forward') {
    for (const tok of directive.args.slice(1)) {
      const host = upstreamHost(tok.text);
      if (host === null) at(tok.pos, `a fragment's forward names upstream addresses (IP or IP:PORT), not files: "${tok.text}"`);
      else {
        const refused = refusedUpstream(host, networks);
        if (refused) at(tok.pos, `upstream ${tok.text} is refused: ${refused}`);
      }
    }
  }
}

/** The IP of `1.2.3.4`, `1.2.3.4:53`, `dns://[::1]:53`…; null for a path (a resolv.conf); the text for anything else (setup judges it). */
function upstreamHost(text: string): string | null {
  const rest = text.replace(/^dns:\/\//i, '');
  if (rest.startsWith('/') || rest.startsWith('.')) return null;
  const bracketed = /^\[([^\]]+)\](?::[0-9]+)?$/.exec(rest);
  if (bracketed) return bracketed[1];
  if (rest.split(':').length > 2) return rest;
  return rest.split(':')[0];
}

function checkPlugin(directive: Directive, targets: Target[], at: At): boolean {
  for (const target of targets) {
    if (!fragmentPlugins[target].includes(directive.name)) {
      at(directive.pos, `plugin "${directive.name}" is not allowed in a fragment for the ${target}; allowed: ${fragmentPlugins[target].join(', ')}`);
      return false;
    }
  }
  return true;
}

/** The effective Corefile of a target: the fragments' text in name order, each under a comment naming it. */
export function composeCorefile(fragments: { name: string; version: number; text: string }[]): string {
  return composeSections(fragments).text;
}

function composeSections(fragments: { name: string; version: number; text: string }[]): { text: string; sections: { name: string; firstLine: number }[] } {
  const sections: { name: string; firstLine: number }[] = [];
  let line = 1;
  const parts = [...fragments]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((f) => {
      const part = `# fragment ${f.name} v${f.version}\n${f.text.trim()}\n`;
      sections.push({ name: f.name, firstLine: line + 1 });
      line += part.split('\n').length;
      return part;
    });
  return { text: parts.join('\n'), sections };
}

/**
 * Every error of the text a target composes from these fragments (its live ones with the change), each
 * at its fragment's line: what runs is checked whole, as the target will load it after its own Corefile.
 */
export function validateComposition(target: Target, fragments: FragmentText[]): CorefileError[] {
  const mine = fragments.filter((f) => f.targets.includes(target));
  const { text, sections } = composeSections(mine.map((f) => ({ ...f, version: 0 })));
  return validateCorefile(text, `${target} fragments`, { untrusted: true }).map((e) => {
    const section = [...sections].reverse().find((s) => s.firstLine <= e.line);
    return section ? { ...e, file: fragmentFile(section.name), line: e.line - section.firstLine + 1 } : e;
  });
}

/** The zones a Corefile's blocks serve (an instance's own); no placeholder expanded, no file read. */
export function corefileZones(text: string, file = 'Corefile'): { ok: true; zones: string[] } | { ok: false; errors: CorefileError[] } {
  const parsed = parseCorefile(text, file, { env: {}, readFile: () => '' });
  return parsed.ok ? { ok: true, zones: [...new Set(parsed.corefile.blocks.flatMap((b) => b.addresses.map((a) => a.zone)))] } : parsed;
}
