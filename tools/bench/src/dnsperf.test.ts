import { describe, expect, it } from 'vitest';
import { DnsperfError, dnsperfArgs, parseDnsperfSummary, parseVerboseLine, percentiles } from './dnsperf.ts';
import { parseStatusKb } from './memory.ts';

// What dnsperf 2.10 prints at the end of a run (captured here against knot).
const output = `DNS Performance Testing Tool
Version 2.10.0

[Status] Command line: dnsperf -s 127.0.0.1 -p 41329 -d q.txt -l 2 -v -e
[Status] Sending queries (to 127.0.0.1:41329)
> NOERROR svc-00166.ns-083.svc.cluster.local A 0.111382
> NXDOMAIN no-such-svc-00080.ns-040.svc.cluster.local A 0.004017
[Status] Testing complete (time limit)

Statistics:

  Queries sent:         74040
  Queries completed:    74038 (100.00%)
  Queries lost:         2 (0.00%)

  Response codes:       NOERROR 67933 (91.75%), NXDOMAIN 6105 (8.25%)
  Average packet size:  request 66, response 154
  Run time (s):         2.001554
  Queries per second:   36991.257793

  Average Latency (s):  0.002009 (min 0.000025, max 0.122722)
  Latency StdDev (s):   0.004037
`;

describe('parseDnsperfSummary', () => {
  it('reads the closing statistics', () => {
    expect(parseDnsperfSummary(output)).toEqual({
      queriesSent: 74040,
      queriesCompleted: 74038,
      queriesLost: 2,
      rcodes: { NOERROR: 67933, NXDOMAIN: 6105 },
      runTimeSeconds: 2.001554,
      qps: 36991.257793,
      avgLatencySeconds: 0.002009,
      minLatencySeconds: 0.000025,
      maxLatencySeconds: 0.122722,
      stddevLatencySeconds: 0.004037,
      avgResponseBytes: 154,
    });
  });

  it('says what it saw when there are no statistics', () => {
    const result = parseDnsperfSummary('Error: could not open q.txt\n');
    expect(result).toBeInstanceOf(DnsperfError);
    expect((result as DnsperfError).code).toBe('dnsperf-unparsable');
    expect((result as DnsperfError).message).toContain('could not open q.txt');
  });
});

describe('parseVerboseLine', () => {
  it.each([
    ['> NOERROR svc-00166.ns-083.svc.cluster.local A 0.111382', { rcode: 'NOERROR', latencySeconds: 0.111382 }],
    ['> NXDOMAIN no-such.ns.svc.cluster.local AAAA 0.000017', { rcode: 'NXDOMAIN', latencySeconds: 0.000017 }],
    ['[Status] Testing complete (time limit)', undefined],
    ['  Queries sent:         74040', undefined],
  ])('%s', (line, expected) => {
    expect(parseVerboseLine(line)).toEqual(expected);
  });
});

describe('percentiles', () => {
  it('takes the nearest rank', () => {
    const sample = Array.from({ length: 1000 }, (_, i) => (1000 - i) / 1000);
    expect(percentiles(sample)).toEqual({ p50: 0.5, p90: 0.9, p99: 0.99, p999: 0.999, max: 1 });
    expect(percentiles([])).toBeUndefined();
    expect(percentiles([0.2])).toEqual({ p50: 0.2, p90: 0.2, p99: 0.2, p999: 0.2, max: 0.2 });
  });
});

describe('dnsperfArgs', () => {
  it('runs one client and thread for a fixed time, with EDNS and per-answer lines', () => {
    expect(dnsperfArgs({ binary: 'dnsperf', server: { host: '127.0.0.1', port: 5300 }, queryFile: 'q.txt', durationSeconds: 20 })).toEqual([
      '-s',
      '127.0.0.1',
      '-p',
      '5300',
      '-d',
      'q.txt',
      '-l',
      '20',
      '-q',
      '100',
      '-c',
      '1',
      '-T',
      '1',
      '-t',
      '2',
      '-e',
      '-v',
    ]);
  });
});

describe('parseStatusKb', () => {
  it('reads VmHWM in bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t   80000 kB\n';
    expect(parseStatusKb(status, 'VmHWM')).toBe(81234 * 1024);
    expect(parseStatusKb(status, 'VmRSS')).toBe(80000 * 1024);
    expect(parseStatusKb('Name:\tnode\n', 'VmHWM')).toBeUndefined();
  });
});
