// What NodeLocal DNSCache does to a node, as data: the dummy interface holding the listen addresses, and
// the iptables rules that keep DNS to those addresses away from conntrack (so kube-proxy's DNAT of the
// Service IP does not apply) and let it in through a strict filter table. Pure: no I/O here.
import net from 'node:net';

export interface InterceptionSpec {
  /** The dummy interface, e.g. `halo-dns0` (at most 15 characters, as Linux allows). */
  interfaceName: string;
  /** IPv4 or IPv6 addresses the cache listens on: the link-local one and the cluster DNS Service IP. */
  addresses: string[];
  /** The DNS port (53). */
  port: number;
}

/** One program run: `file` with `args`, no shell in between. */
export interface Command {
  file: string;
  args: string[];
}

export type Table = 'raw' | 'filter';
export type Chain = 'PREROUTING' | 'OUTPUT' | 'INPUT';

/** One iptables rule, without the -A/-I/-D/-C verb. */
export interface Rule {
  family: 4 | 6;
  table: Table;
  chain: Chain;
  /** The match and target, e.g. `-d 10.96.0.10/32 -p udp --dport 53 ... -j NOTRACK`. */
  spec: string[];
}

export interface SpecError {
  code: 'BAD_INTERFACE' | 'BAD_ADDRESS' | 'BAD_PORT' | 'NO_ADDRESS';
  message: string;
}

/** The comment every rule carries, so that a person (and `iptables -S`) can tell whose rules they are. */
export const RULE_COMMENT = 'halo-dns node cache';

/** Checks a spec before anything touches the node. */
export function checkSpec(spec: InterceptionSpec): SpecError[] {
  const errors: SpecError[] = [];
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(spec.interfaceName)) {
    errors.push({ code: 'BAD_INTERFACE', message: `"${spec.interfaceName}" is not a usable interface name (1 to 15 letters, digits, '-', '_', '.')` });
  }
  if (spec.addresses.length === 0) errors.push({ code: 'NO_ADDRESS', message: 'the interception needs at least one address' });
  for (const a of spec.addresses) {
    if (net.isIP(a) === 0) errors.push({ code: 'BAD_ADDRESS', message: `"${a}" is not an IP address` });
  }
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) {
    errors.push({ code: 'BAD_PORT', message: `port ${spec.port} is not a number from 1 to 65535` });
  }
  return errors;
}

function hostPrefix(address: string): string {
  return net.isIPv6(address) ? `${address}/128` : `${address}/32`;
}

/** The rules for one address, in the order NodeLocal DNSCache installs them. */
export function rulesFor(address: string, port: number): Rule[] {
  const family = net.isIPv6(address) ? 6 : 4;
  const ip = hostPrefix(address);
  const p = String(port);
  const comment = ['-m', 'comment', '--comment', RULE_COMMENT];
  const rules: Rule[] = [];
  for (const proto of ['udp', 'tcp']) {
    // Queries arriving for the address (from pods), and their replies, bypass conntrack: no DNAT, no
    // conntrack table entries per query.
    rules.push({ family, table: 'raw', chain: 'PREROUTING', spec: ['-d', ip, '-p', proto, '-m', proto, '--dport', p, ...comment, '-j', 'NOTRACK'] });
    rules.push({ family, table: 'raw', chain: 'OUTPUT', spec: ['-s', ip, '-p', proto, '-m', proto, '--sport', p, ...comment, '-j', 'NOTRACK'] });
    // Queries from the node itself (hostNetwork pods) to the address, past kube-proxy's nat OUTPUT.
    rules.push({ family, table: 'raw', chain: 'OUTPUT', spec: ['-d', ip, '-p', proto, '-m', proto, '--dport', p, ...comment, '-j', 'NOTRACK'] });
    // Untracked packets are neither NEW nor ESTABLISHED: a filter table that drops by state needs these.
    rules.push({ family, table: 'filter', chain: 'INPUT', spec: ['-d', ip, '-p', proto, '-m', proto, '--dport', p, ...comment, '-j', 'ACCEPT'] });
    rules.push({ family, table: 'filter', chain: 'OUTPUT', spec: ['-s', ip, '-p', proto, '-m', proto, '--sport', p, ...comment, '-j', 'ACCEPT'] });
  }
  return rules;
}

export function rulesOf(spec: InterceptionSpec): Rule[] {
  return spec.addresses.flatMap((a) => rulesFor(a, spec.port));
}

/**
 * Which of iptables' two back ends to write to: the node's own (kube-proxy's) must hold the rules, or
 * an ACCEPT in the other one does not get past its filter. `system`: whatever `iptables` is here.
 */
export type IptablesBackend = 'legacy' | 'nft' | 'system';
export const IPTABLES_BACKENDS: readonly IptablesBackend[] = ['legacy', 'nft', 'system'];

/** `iptables`, `ip6tables-legacy-save`, …: the program of one family, back end and job. */
export function iptablesProgram(family: 4 | 6, backend: IptablesBackend = 'system', job: '' | '-save' | '-restore' = ''): string {
  const base = family === 6 ? 'ip6tables' : 'iptables';
  return backend === 'system' ? `${base}${job}` : `${base}-${backend}${job}`;
}

/** `-C` (is it there?), `-I` (insert first, ahead of anyone's DROP), `-D` (delete one copy). */
export function ruleCommand(rule: Rule, verb: '-C' | '-I' | '-D', backend: IptablesBackend = 'system'): Command {
  // -w: wait for the xtables lock that kube-proxy and others hold while they write.
  return { file: iptablesProgram(rule.family, backend), args: ['-w', '5', '-t', rule.table, verb, rule.chain, ...rule.spec] };
}

/** Chains kubelet and kube-proxy create in the back end they use, so that others can tell which it is. */
const HINT_CHAINS = [':KUBE-IPTABLES-HINT', ':KUBE-KUBELET-CANARY'];

/**
 * The node's back end from the `iptables-save` output of each (as the Kubernetes iptables wrappers
 * decide): the one holding kubelet's hint chains, else the one with more rules; nft on a tie (an empty
 * node, where nothing else writes: Debian's default).
 */
export function chooseBackend(saved: { legacy: string; nft: string }): 'legacy' | 'nft' {
  const hinted = (text: string) => text.split('\n').some((l) => HINT_CHAINS.some((h) => l.startsWith(`${h} `)));
  if (hinted(saved.nft)) return 'nft';
  if (hinted(saved.legacy)) return 'legacy';
  const rules = (text: string) => text.split('\n').filter((l) => l.startsWith('-')).length;
  return rules(saved.legacy) > rules(saved.nft) ? 'legacy' : 'nft';
}

/**
 * Kernels built without the dummy driver (some VMs) still hold local addresses on a bridge without
 * ports: the kernel delivers to them just the same.
 */
export type LinkType = 'dummy' | 'bridge';

/** Creates the interface; `ip` fails on an existing link, so check first. */
export function interfaceAddCommand(spec: InterceptionSpec, type: LinkType = 'dummy'): Command {
  return { file: 'ip', args: ['link', 'add', spec.interfaceName, 'type', type] };
}

export function interfaceUpCommand(spec: InterceptionSpec): Command {
  return { file: 'ip', args: ['link', 'set', spec.interfaceName, 'up'] };
}

/** `replace` adds the address or leaves it as it is: safe to repeat. */
export function addressCommands(spec: InterceptionSpec): Command[] {
  return spec.addresses.map((a) => ({ file: 'ip', args: [...(net.isIPv6(a) ? ['-6'] : []), 'addr', 'replace', hostPrefix(a), 'dev', spec.interfaceName] }));
}

export function interfaceDeleteCommand(spec: InterceptionSpec): Command {
  return { file: 'ip', args: ['link', 'del', spec.interfaceName] };
}

export function interfaceShowCommand(spec: InterceptionSpec): Command {
  return { file: 'ip', args: ['-o', 'addr', 'show', 'dev', spec.interfaceName] };
}

/** A command as a person would type it, for logs and errors. */
export function printCommand(c: Command): string {
  return [c.file, ...c.args.map((a) => (/^[A-Za-z0-9_./:=%-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))].join(' ');
}

/** The rule as `iptables-save` prints it (`-A CHAIN ...`), comment quoted. */
export function saveLine(rule: Rule, verb: '-A' | '-I' | '-D' = '-A'): string {
  const args = rule.spec.map((a) => (/\s/.test(a) ? `"${a}"` : a));
  return [verb, rule.chain, ...args].join(' ');
}

/** Our rules present in one table's `iptables-save` output, found by their comment. */
export function ownSavedLines(saved: string): string[] {
  return saved
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('-A ') && l.includes(`--comment "${RULE_COMMENT}"`));
}

/**
 * An `iptables-restore --noflush` script that deletes every rule of ours (as saved) and, for `add`,
 * inserts the wanted ones: one atomic commit per table, whatever was there before.
 */
export function restoreScript(savedByTable: Partial<Record<Table, string>>, rules: Rule[], mode: 'add' | 'remove'): string {
  const lines: string[] = [];
  for (const table of ['raw', 'filter'] as const) {
    const stale = ownSavedLines(savedByTable[table] ?? '').map((l) => `-D ${l.slice(3)}`);
    // -I puts each rule first: insert in reverse so that they end up in the listed order.
    const wanted =
      mode === 'add'
        ? rules
            .filter((r) => r.table === table)
            .reverse()
            .map((r) => saveLine(r, '-I'))
        : [];
    if (stale.length === 0 && wanted.length === 0) continue;
    lines.push(`*${table}`, ...stale, ...wanted, 'COMMIT');
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

export function saveCommand(family: 4 | 6, table?: Table, backend: IptablesBackend = 'system'): Command {
  return { file: iptablesProgram(family, backend, '-save'), args: table ? ['-t', table] : [] };
}

export function restoreCommand(family: 4 | 6, backend: IptablesBackend = 'system'): Command {
  return { file: iptablesProgram(family, backend, '-restore'), args: ['--noflush'] };
}
