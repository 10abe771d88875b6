import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { counterChild, histogramChild, internalsKnown, serverMetrics } from './metrics.ts';

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

describe('prom-client internals the direct children rely on', () => {
  // If this fails after a prom-client upgrade, the children still count right but hash their labels on
  // every query again: adapt directChild to the new internals (or drop it).
  it('are as directChild reads them, before and after values are recorded', () => {
    const m = serverMetrics(new Registry());
    expect(internalsKnown(m.duration)).toBe(true);
    expect(internalsKnown(m.responses)).toBe(true);
    m.duration.labels({ server: 'dns://:53', zone: '.', view: '', type: 'A' }).observe(0.001);
    m.responses.labels({ server: 'dns://:53', zone: '.', view: '', rcode: 'NOERROR', plugin: '' }).inc();
    expect(Object.keys((m.duration as unknown as { hashMap: object }).hashMap)).toHaveLength(1);
    expect(internalsKnown(m.duration)).toBe(true);
    expect(internalsKnown(m.responses)).toBe(true);
  });
});
