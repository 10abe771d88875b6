// Corefile fragments: what an operator may add to cluster DNS, checked whole before anything runs, and
// the effective Corefile an instance appends to its own.
import { parseCorefile, type CorefileError, type Directive } from '@halo/corefile';
import { validateCorefile } from '@halo/server';

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
  const parsed = parseCorefile(fragment.text, fragmentFile(fragment.name));
  return parsed.ok ? parsed.corefile.blocks.flatMap((b) => b.addresses.map((a) => a.zone)) : [];
}

/** Every error of a fragment, each with file, line and column; empty when it may be applied. */
export function validateFragment(fragment: FragmentText, options: ValidationOptions = {}): CorefileError[] {
  const file = fragmentFile(fragment.name);
  const clusterZone = (options.clusterZone ?? 'cluster.local').toLowerCase();
  if (fragment.text.trim() === '') return [{ file, line: 1, column: 1, message: 'the fragment is empty: give at least one server block, e.g. `example.internal { hosts { 10.1.2.3 app.example.internal } }`' }];
  const parsed = parseCorefile(fragment.text, file);
  if (!parsed.ok) return parsed.errors;
  const errors: CorefileError[] = [];
  const at = (pos: { line: number; column: number }, message: string) => errors.push({ file, line: pos.line, column: pos.column, message });

  const claimed = new Map<string, string>();
  for (const other of options.others ?? []) {
    if (other.name === fragment.name) continue;
    for (const zone of fragmentZones(other)) claimed.set(zone, other.name);
  }
  for (const block of parsed.corefile.blocks) {
    for (const address of block.addresses) {
      const { zone, port, key } = address;
      if (zone === '.') at(key.pos, `a fragment may not serve the root zone "." : that is every name; forward a zone of your own instead`);
      else if (under(zone, clusterZone)) at(key.pos, `a fragment may not serve ${zone}: the cluster zone ${clusterZone} belongs to the kubernetes plugin`);
      else if (reverseZones.includes(zone)) at(key.pos, `a fragment may not serve ${zone}: the reverse zones belong to the kubernetes plugin (a zone below it, e.g. 168.192.in-addr.arpa, is fine)`);
      if (port !== null && port !== 53) at(key.pos, `a fragment's blocks are served on the instance's DNS port; remove ":${port}" from "${key.text}"`);
      const owner = claimed.get(zone);
      if (owner) at(key.pos, `zone ${zone} is already served by fragment "${owner}"; fragments "${fragment.name}" and "${owner}" may not both claim it`);
    }
    for (const directive of block.directives) checkPlugin(directive, fragment.targets, at);
  }
  if (errors.length > 0) return errors;
  // Every plugin's own setup checks its arguments (upstream addresses included); nothing is started.
  return validateCorefile(fragment.text, file);
}

function checkPlugin(directive: Directive, targets: Target[], at: (pos: { line: number; column: number }, message: string) => void): void {
  for (const target of targets) {
    if (!fragmentPlugins[target].includes(directive.name)) {
      at(directive.pos, `plugin "${directive.name}" is not allowed in a fragment for the ${target}; allowed: ${fragmentPlugins[target].join(', ')}`);
      return;
    }
  }
}

/** The effective Corefile of a target: the fragments' text in name order, each under a comment naming it. */
export function composeCorefile(fragments: { name: string; version: number; text: string }[]): string {
  return [...fragments]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((f) => `# fragment ${f.name} v${f.version}\n${f.text.trim()}\n`)
    .join('\n');
}
