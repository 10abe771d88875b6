import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { counterChild, histogramChild, serverMetrics } from './metrics.ts';

describe('direct metric children', () => {
  const labels = { server: 'dns://:53', zone: 'cluster.local.', view: '', type: 'A' };
  const values = [0.0001, 0.0003, 0.002, 0.5, 20, 0.00025, 9];
  it.each([
    ['as prom-client counts them', false],
    ['after a reset too', true],
  ])('%s', async (_label, reset) => {
    const mine = new Registry();
    const theirs = new Registry();
    const m = serverMetrics(mine);
    const t = serverMetrics(theirs);
    const observe = histogramChild(m.duration, labels);
    const inc = counterChild(m.responses, { server: 'dns://:53', zone: 'cluster.local.', view: '', rcode: 'NOERROR', plugin: 'kubernetes' });
    const run = () => {
      for (const v of values) {
        observe.observe(v);
        t.duration.labels(labels).observe(v);
        inc.inc();
        t.responses.labels({ server: 'dns://:53', zone: 'cluster.local.', view: '', rcode: 'NOERROR', plugin: 'kubernetes' }).inc();
      }
    };
    run();
    if (reset) {
      mine.resetMetrics();
      theirs.resetMetrics();
      run();
    }
    expect(await mine.metrics()).toBe(await theirs.metrics());
    expect(await mine.metrics()).toContain('coredns_dns_request_duration_seconds_count{server="dns://:53",zone="cluster.local.",view="",type="A"} 7');
  });
});
