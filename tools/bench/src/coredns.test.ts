import { describe, expect, it } from 'vitest';
import { kubeadmCorefile } from '@halo/corefile';
import { memoryLines } from './answerer-bench.ts';
import { corednsCorefile } from './coredns.ts';
import type { Measured } from './report.ts';

describe('corednsCorefile', () => {
  it("runs kubeadm's Corefile beside ours: own ports, bound to the host, pointed at kube-sim", () => {
    const kubeadm = kubeadmCorefile;
    const text = corednsCorefile(kubeadm, {
      kubeUrl: 'http://127.0.0.1:16443',
      host: '127.0.0.1',
      ports: { dns: 5300, health: 8081, ready: 8182, metrics: 9154 },
    });
    expect(text).toBe(`.:5300 {
    bind 127.0.0.1
    errors
    health 127.0.0.1:8081 {
       lameduck 5s
    }
    ready 127.0.0.1:8182
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       endpoint http://127.0.0.1:16443
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus 127.0.0.1:9154
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`);
  });
});

describe('memoryLines', () => {
  const MB = 2 ** 20;
  const measured = (peakBytes?: number) => ({ name: 'x', result: { qps: 1, queriesLost: 0, rcodes: {} }, peakBytes }) as unknown as Measured;
  // Each row: the answerer's peak, CoreDNS's (ready, peak), the watcher's (ready, peak), and the lines printed.
  it.each<[number | undefined, [number, number] | undefined, [number, number] | undefined, string[]]>([
    [
      150 * MB,
      [170 * MB, 240 * MB],
      [120 * MB, 200 * MB],
      [
        'coredns memory: 170.0 MB once it answered for the whole cluster, peak 240.0 MB',
        'answerer peak / coredns peak: 0.63 (target ≤ 0.75: met)',
        "watcher memory: 120.0 MB once the cluster answered, peak 200.0 MB (target ≤ coredns's peak 240.0 MB: met)",
      ],
    ],
    [
      242 * MB,
      [173 * MB, 240 * MB],
      [150 * MB, 300 * MB],
      [
        'coredns memory: 173.0 MB once it answered for the whole cluster, peak 240.0 MB',
        'answerer peak / coredns peak: 1.01 (target ≤ 0.75: NOT met)',
        "watcher memory: 150.0 MB once the cluster answered, peak 300.0 MB (target ≤ coredns's peak 240.0 MB: NOT met)",
      ],
    ],
    [242 * MB, undefined, [150 * MB, 300 * MB], ['watcher memory: 150.0 MB once the cluster answered, peak 300.0 MB']],
    [undefined, undefined, undefined, []],
  ])('answerer %d, coredns %j, watcher %j', (ours, coredns, watcher, lines) => {
    const report = {
      ours: measured(ours),
      coredns: coredns && { ...measured(coredns[1]), readyBytes: coredns[0] },
      watcher: watcher && { readyBytes: watcher[0], peakBytes: watcher[1] },
    };
    expect(memoryLines(report)).toEqual(lines);
  });
});
