// Adding a plugin is one new folder and one line in the ordered list: the core reads what the plugin
// declares (here, whether its answers may be pre-encoded) and knows nothing else of it.
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { loadServer, plugins, type DnsServer } from '../src/index.ts';
import { decode, fastPathHits, query, udpExchange } from './helpers.ts';
import { plugin as fixed } from './fixtures/plugins/fixed/setup.ts';

// The one line: after hosts, as plugin.cfg would place it.
const withFixed = plugins.flatMap((p) => (p.name === 'hosts' ? [p, fixed] : [p]));

const running: DnsServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

describe('a plugin added with one line', () => {
  it.each([
    ['declares a fast-path writer: repeats come from the fast path', 'fixed web.example 192.0.2.7 stable', 2],
    ['declares nothing: every query runs the chain', 'fixed web.example 192.0.2.7', 0],
  ])('%s', async (_label, line, fastAnswers) => {
    const metrics = new Registry();
    const loaded = await loadServer(`example {\n  ${line}\n}\n`, { context: { metrics }, listen: { host: '127.0.0.1', port: 0 }, plugins: withFixed });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    running.push(loaded.server);
    const port = loaded.server.addresses()[0].port;
    for (let i = 0; i < 3; i++) {
      const r = decode(await udpExchange(port, query('web.example', 'A')));
      expect(r.rcode).toBe('NOERROR');
      expect(r.flag_aa).toBe(true);
      expect((r.answers ?? []).map((a) => ('data' in a ? a.data : null))).toEqual(['192.0.2.7']);
    }
    expect(await fastPathHits(metrics)).toBe(fastAnswers);
  });

  it('is unknown to a server without that line, with a clear error', async () => {
    const loaded = await loadServer('example {\n  fixed web.example 192.0.2.7\n}\n', { context: {}, listen: { host: '127.0.0.1', port: 0 } });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.errors[0].message).toBe('unknown plugin "fixed"');
  });
});
