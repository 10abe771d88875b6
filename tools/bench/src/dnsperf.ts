// Runs dnsperf and reads what it prints: the closing statistics, and with `-v` one line per answer
// (`> NOERROR name type 0.000123`), from which the latency percentiles are computed.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ServerAddress } from './reference-servers.ts';

export interface DnsperfSummary {
  queriesSent: number;
  queriesCompleted: number;
  queriesLost: number;
  /** Response codes and their counts, as dnsperf reports them. */
  rcodes: Record<string, number>;
  runTimeSeconds: number;
  qps: number;
  avgLatencySeconds: number;
  minLatencySeconds: number;
  maxLatencySeconds: number;
  stddevLatencySeconds?: number;
  avgResponseBytes?: number;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface DnsperfResult extends DnsperfSummary {
  /** From the per-answer lines, in seconds; absent when dnsperf printed none. */
  percentiles?: Percentiles;
}

export class DnsperfError extends Error {
  readonly code: 'dnsperf-missing' | 'dnsperf-failed' | 'dnsperf-unparsable';
  constructor(code: DnsperfError['code'], message: string) {
    super(message);
    this.name = 'DnsperfError';
    this.code = code;
  }
}

const number = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number(text));

/** The statistics block dnsperf prints at the end; undefined fields were not found. */
export function parseDnsperfSummary(text: string): DnsperfSummary | DnsperfError {
  const grab = (re: RegExp) => number(re.exec(text)?.[1]);
  const sent = grab(/Queries sent:\s+(\d+)/);
  const completed = grab(/Queries completed:\s+(\d+)/);
  const qps = grab(/Queries per second:\s+([\d.]+)/);
  const latency = /Average Latency \(s\):\s+([\d.]+)\s+\(min\s+([\d.]+),\s+max\s+([\d.]+)\)/.exec(text);
  if (sent === undefined || completed === undefined || qps === undefined || !latency) {
    return new DnsperfError('dnsperf-unparsable', `dnsperf printed no statistics; its output ended with:\n${text.split('\n').slice(-15).join('\n')}`);
  }
  const rcodes: Record<string, number> = {};
  const rcodeLine = /Response codes:\s+(.*)/.exec(text)?.[1] ?? '';
  for (const match of rcodeLine.matchAll(/([A-Z][A-Z0-9]*) (\d+) \(/g)) rcodes[match[1]] = Number(match[2]);
  return {
    queriesSent: sent,
    queriesCompleted: completed,
    queriesLost: grab(/Queries lost:\s+(\d+)/) ?? sent - completed,
    rcodes,
    runTimeSeconds: grab(/Run time \(s\):\s+([\d.]+)/) ?? 0,
    qps,
    avgLatencySeconds: Number(latency[1]),
    minLatencySeconds: Number(latency[2]),
    maxLatencySeconds: Number(latency[3]),
    stddevLatencySeconds: grab(/Latency StdDev \(s\):\s+([\d.]+)/),
    avgResponseBytes: grab(/Average packet size:\s+request \d+, response (\d+)/),
  };
}

/** One `-v` line: the rcode and the latency in seconds; undefined for any other line. */
export function parseVerboseLine(line: string): { rcode: string; latencySeconds: number } | undefined {
  if (!line.startsWith('> ')) return undefined;
  const first = line.indexOf(' ', 2);
  const last = line.lastIndexOf(' ');
  if (first < 0 || last <= first) return undefined;
  const latencySeconds = Number(line.slice(last + 1));
  if (!Number.isFinite(latencySeconds)) return undefined;
  return { rcode: line.slice(2, first), latencySeconds };
}

/** Nearest-rank percentiles of a sample (sorted in place). */
export function percentiles(sample: Float64Array | number[]): Percentiles | undefined {
  if (sample.length === 0) return undefined;
  const sorted = sample instanceof Float64Array ? sample.sort() : Float64Array.from(sample).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: sorted[sorted.length - 1] };
}

/** A growable sample of latencies without an array of a million boxed numbers. */
class Sample {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

export interface DnsperfOptions {
  binary: string;
  server: ServerAddress;
  queryFile: string;
  durationSeconds: number;
  /** Outstanding queries (dnsperf -q, default 100). */
  outstanding?: number;
  clients?: number;
  threads?: number;
  /** Send EDNS(0) with a 4096 payload, as resolvers do (default true). */
  edns?: boolean;
  /** Per-answer lines for percentiles (default true; costs dnsperf a little CPU, on every side alike). */
  verbose?: boolean;
}

export function dnsperfArgs(options: DnsperfOptions): string[] {
  return [
    '-s',
    options.server.host,
    '-p',
    String(options.server.port),
    '-d',
    options.queryFile,
    '-l',
    String(options.durationSeconds),
    '-q',
    String(options.outstanding ?? 100),
    '-c',
    String(options.clients ?? 1),
    '-T',
    String(options.threads ?? 1),
    '-t',
    '2',
    ...(options.edns === false ? [] : ['-e']),
    ...(options.verbose === false ? [] : ['-v']),
  ];
}

export function runDnsperf(options: DnsperfOptions): Promise<DnsperfResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.binary, dnsperfArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
    const sample = new Sample();
    const rest: string[] = [];
    const onLine = (line: string) => {
      const answer = parseVerboseLine(line);
      if (answer) sample.push(answer.latencySeconds);
      else rest.push(line);
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('error', (error) => reject(new DnsperfError('dnsperf-missing', `cannot run ${options.binary}: ${error.message}`)));
    child.once('close', (code) => {
      const text = rest.join('\n');
      if (code !== 0) {
        reject(new DnsperfError('dnsperf-failed', `dnsperf exited with ${code}:\n${rest.slice(-15).join('\n')}`));
        return;
      }
      const summary = parseDnsperfSummary(text);
      if (summary instanceof DnsperfError) reject(summary);
      else resolve({ ...summary, percentiles: percentiles(sample.values()) });
    });
  });
}
