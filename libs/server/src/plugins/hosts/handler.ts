// Answers A, AAAA and PTR from the hosts file and the inline entries; reloads the file when it changes.
import { readFileSync, statSync } from 'node:fs';
import type { Answer } from 'dns-packet';
import type { DnsRequest, DnsResponse, Handler, Logger, Next } from '../../plugin.ts';
import { inZone } from '../zones.ts';
import type { HostsMetrics } from './metrics.ts';
import { addEntry, addressOfReverseName, emptyTable, expandIPv6, namesOfTable, parseHostsText, type HostsTable } from './table.ts';

export interface HostsConfig {
  /** null: inline entries only (the file could not be read is not an error: CoreDNS only warns). */
  file: string | null;
  zones: string[];
  inline: { ip: string; names: string[] }[];
  ttl: number;
  noReverse: boolean;
  /** 0: never reload. */
  reloadMs: number;
  /** null: no fallthrough; [] or zones: fall through for those (all when empty). */
  fallthrough: string[] | null;
}

export class HostsHandler implements Handler {
  readonly name = 'hosts';
  readonly transparent = true;
  /** Its answers change only when the file does, and then it calls `invalidate`. */
  readonly fastPathWriter = true;
  readonly config: HostsConfig;
  private table: HostsTable = emptyTable();
  private fileStamp = '';
  private timer: NodeJS.Timeout | null = null;
  private readonly metrics: HostsMetrics;
  private readonly logger: Logger | undefined;

  private readonly invalidate: ((names: string[]) => void) | undefined;

  /** `invalidate` drops the server's pre-encoded answers of names a reload changed. */
  constructor(config: HostsConfig, metrics: HostsMetrics, logger?: Logger, invalidate?: (names: string[]) => void) {
    this.config = config;
    this.metrics = metrics;
    this.logger = logger;
    this.invalidate = invalidate;
    this.reload();
    if (config.file && config.reloadMs > 0) {
      this.timer = setInterval(() => this.reload(), config.reloadMs);
      this.timer.unref();
    }
  }

  private inZones = (name: string): boolean => this.config.zones.some((z) => inZone(name, z));

  /** Re-reads the file when its mtime or size changed; inline entries are always kept. */
  reload(): void {
    let text = '';
    let stamp = 'none';
    if (this.config.file) {
      try {
        const st = statSync(this.config.file);
        stamp = `${st.mtimeMs}:${st.size}`;
        if (stamp === this.fileStamp) return;
        text = readFileSync(this.config.file, 'utf8');
      } catch (err) {
        if (this.fileStamp !== 'missing')
          this.logger?.warn({ plugin: 'hosts', file: this.config.file }, `hosts: cannot read ${this.config.file}: ${(err as Error).message}`);
        stamp = 'missing';
        if (stamp === this.fileStamp) return;
      }
    } else if (this.fileStamp === stamp) return;
    const table = emptyTable();
    for (const e of this.config.inline) addEntry(table, e.ip, e.names, this.inZones);
    parseHostsText(text, table, this.inZones);
    const before = this.fileStamp === '' ? [] : namesOfTable(this.table);
    this.table = table;
    if (this.fileStamp !== '') this.invalidate?.([...new Set([...before, ...namesOfTable(table)])]);
    this.fileStamp = stamp;
    this.metrics.entries.set(table.size);
    this.metrics.reloadTimestamp.set(Date.now() / 1000);
  }

  async serve(req: DnsRequest, next: Next): Promise<DnsResponse> {
    const name = req.qnameLower;
    const ttl = this.config.ttl;
    const answers: Answer[] = [];
    // A reverse name of one of our addresses is ours whatever the zones say (CoreDNS does the same for PTR).
    const reverse = this.config.noReverse ? null : addressOfReverseName(name);
    const reverseNames = reverse ? this.table.names.get(reverse.includes(':') ? expandIPv6(reverse) : reverse) : undefined;
    if (reverseNames) {
      if (req.qtype === 'PTR') for (const n of reverseNames) answers.push({ name: req.qname, type: 'PTR', class: 'IN', ttl, data: n });
      return { rcode: 'NOERROR', authoritative: true, answers, authorities: [], additionals: [], live: true };
    }
    if (!this.inZones(name)) return next(req);
    const v4 = this.table.v4.get(name);
    const v6 = this.table.v6.get(name);
    if (v4 === undefined && v6 === undefined) {
      const ft = this.config.fallthrough;
      if (ft && (ft.length === 0 || ft.some((z) => inZone(name, z)))) return next(req);
      return { rcode: 'NXDOMAIN', authoritative: true, answers: [], authorities: [], additionals: [], live: true };
    }
    if (req.qtype === 'A') for (const ip of v4 ?? []) answers.push({ name: req.qname, type: 'A', class: 'IN', ttl, data: ip });
    if (req.qtype === 'AAAA') for (const ip of v6 ?? []) answers.push({ name: req.qname, type: 'AAAA', class: 'IN', ttl, data: ip });
    // The name exists: other types get an empty NOERROR (NODATA).
    return { rcode: 'NOERROR', authoritative: true, answers, authorities: [], additionals: [], live: true };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
