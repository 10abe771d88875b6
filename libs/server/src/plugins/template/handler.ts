// Answers questions of one class and type under its zones from answer/additional/authority templates,
// filled from the first `match` regex that matches the question name.
import type { Answer } from 'dns-packet';
import type { DnsRequest, DnsResponse, Handler, Logger, Next, Rcode } from '../../plugin.ts';
import { inZone } from '../zones.ts';
import type { NameRegex, RegexMatch } from '../regex.ts';
import type { TemplateMetrics } from './metrics.ts';
import { parseRecord } from './record.ts';
import { render, type Template, type TemplateData } from './render.ts';

export interface TemplateSection {
  section: 'answer' | 'additional' | 'authority';
  source: string;
  template: Template;
}

export interface TemplateConfig {
  qclass: string;
  qtype: string;
  zones: string[];
  match: NameRegex[];
  records: TemplateSection[];
  rcode: Rcode;
  /** null: no fallthrough; []: for every name; else for names under these zones. */
  fallthrough: string[] | null;
  /** `dns://:53`: the `server` label of the metrics. */
  server: string;
}

export class TemplateHandler implements Handler {
  readonly name = 'template';
  readonly transparent = true;
  readonly config: TemplateConfig;
  private readonly metrics: TemplateMetrics;
  private readonly logger: Logger | undefined;

  constructor(config: TemplateConfig, metrics: TemplateMetrics, logger?: Logger) {
    this.config = config;
    this.metrics = metrics;
    this.logger = logger;
  }

  async serve(req: DnsRequest, next: Next): Promise<DnsResponse> {
    const c = this.config;
    const zone = c.zones.find((z) => inZone(req.qnameLower, z));
    const classOk = c.qclass === 'ANY' || c.qclass === req.qclass.toUpperCase();
    const typeOk = c.qtype === 'ANY' || c.qtype === req.qtype.toUpperCase();
    if (zone === undefined || !classOk || !typeOk) return next(req);
    const fqdn = `${req.qnameLower}.`.replace(/^\.\.$/, '.');
    let m: RegexMatch | null = null;
    for (const re of c.match) if ((m = re.exec(fqdn))) break;
    if (!m) {
      const ft = c.fallthrough;
      if (ft && (ft.length === 0 || ft.some((z) => inZone(req.qnameLower, z)))) return next(req);
      return { rcode: 'NXDOMAIN', authoritative: true, answers: [], authorities: [], additionals: [] };
    }
    const labels = { server: c.server, zone: zone === '.' ? '.' : `${zone}.`, view: '', class: c.qclass, type: c.qtype };
    this.metrics.matches.inc(labels);
    const data: TemplateData = {
      Name: req.qname === '.' ? '.' : `${req.qname}.`,
      Zone: labels.zone,
      Class: req.qclass.toUpperCase(),
      Type: req.qtype.toUpperCase(),
      Remote: req.remote.address,
      Match: m.map((g) => g ?? ''),
      Group: Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, v ?? ''])),
    };
    const res: DnsResponse = { rcode: c.rcode, authoritative: true, answers: [], authorities: [], additionals: [] };
    const target: Record<TemplateSection['section'], Answer[]> = { answer: res.answers, additional: res.additionals, authority: res.authorities };
    for (const r of c.records) {
      const rr = parseRecord(render(r.template, data));
      if (typeof rr === 'string') {
        this.metrics.rrFailures.inc({ ...labels, section: r.section, template: r.source });
        this.logger?.error({ plugin: 'template', qname: req.qname, template: r.source }, `template: ${rr}`);
        return { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [] };
      }
      target[r.section].push(rr);
    }
    return res;
  }
}
