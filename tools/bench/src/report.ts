// Plain-text tables of benchmark results, for people reading a terminal.
import type { DnsperfResult, Percentiles } from './dnsperf.ts';

export interface Measured {
  name: string;
  result: DnsperfResult;
  /** Peak resident memory in bytes, where measured. */
  peakBytes?: number;
  /** The server's CPU time per answered query during the measured run, in microseconds, where measured. */
  cpu?: { userMicros: number; systemMicros: number };
  note?: string;
}

const ms = (seconds: number | undefined) => (seconds === undefined ? '-' : (seconds * 1000).toFixed(3));
const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

function rcodes(result: DnsperfResult): string {
  const total = Object.values(result.rcodes).reduce((a, b) => a + b, 0) || 1;
  return Object.entries(result.rcodes)
    .map(([code, n]) => `${code} ${((100 * n) / total).toFixed(1)}%`)
    .join(', ');
}

/** One row a server: throughput, loss, latency (ms) average/percentiles/max, memory. */
export function throughputTable(rows: readonly Measured[]): string {
  const p = (x: Percentiles | undefined, k: keyof Percentiles) => ms(x?.[k]);
  const withCpu = rows.some((m) => m.cpu !== undefined);
  const table = [
    ['server', 'qps', 'lost', 'avg ms', 'p50', 'p90', 'p99', 'p99.9', 'max ms', 'peak mem', ...(withCpu ? ['cpu µs/q user+sys'] : [])],
    ...rows.map((m) => [
      m.name,
      m.result.qps.toFixed(0),
      `${m.result.queriesLost}`,
      ms(m.result.avgLatencySeconds),
      p(m.result.percentiles, 'p50'),
      p(m.result.percentiles, 'p90'),
      p(m.result.percentiles, 'p99'),
      p(m.result.percentiles, 'p999'),
      ms(m.result.maxLatencySeconds),
      mb(m.peakBytes),
      ...(withCpu ? [m.cpu ? `${m.cpu.userMicros.toFixed(2)}+${m.cpu.systemMicros.toFixed(2)}` : '-'] : []),
    ]),
  ];
  const codes = rows.map((m) => `  ${m.name}: ${rcodes(m.result)}${m.note ? `  (${m.note})` : ''}`).join('\n');
  return `${pad(table)}\nresponse codes:\n${codes}`;
}

/** `ours / theirs` throughput ratios against each other row, with the target where one is set. */
export function ratioLines(ours: Measured, others: readonly Measured[], target?: number): string {
  return others
    .map((other) => {
      const ratio = ours.result.qps / other.result.qps;
      const verdict = target === undefined ? '' : ratio >= target ? `  (target ≥ ${target}: met)` : `  (target ≥ ${target}: NOT met)`;
      return `ratio ${ours.name} / ${other.name}: ${ratio.toFixed(2)}${verdict}`;
    })
    .join('\n');
}

export function formatMs(seconds: number): string {
  return `${(seconds * 1000).toFixed(1)} ms`;
}

export { mb as formatBytes };
