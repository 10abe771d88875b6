// `loop` against real forwarding loops: a server whose `forward` points back at itself (the
// `forward . /etc/resolv.conf` mistake), in this process and in one of its own that must exit as CoreDNS
// does; CoreDNS 1.14.7 itself, where its binary is built, prints the same line.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { referencePath, spawnProcess, waitFor } from '@halo/testing';
import { loadServer } from '../src/index.ts';
import { freePort } from './helpers.ts';
import { reply, startTestUpstream } from './dns-fixtures.ts';

const dir = await mkdtemp(join(tmpdir(), 'halo-loop-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** CoreDNS's words, with the numbers that differ per run left open. */
const loopLine = (port: number, zone = '.') =>
  new RegExp(
    `\\[FATAL\\] plugin/loop: Loop \\(127\\.0\\.0\\.1:[0-9]+ -> 127\\.0\\.0\\.1:${port}\\) detected for zone "${zone.replaceAll('.', '\\.')}", see https://coredns\\.io/plugins/loop#troubleshooting\\. Query: "HINFO [0-9]+\\.[0-9]+\\.${zone === '.' ? '' : zone.replaceAll('.', '\\.')}"`,
  );

// Ours listens where `listen` says (127.0.0.1); CoreDNS is told with `bind`.
const selfLoop = (port: number, zone = '.', bind = '') => `${zone}:${port} {\n${bind}    loop\n    forward . 127.0.0.1:${port}\n}\n`;

describe('loop', () => {
  it.each(['.', 'example.org.'])('detects a server forwarding zone %s to itself', async (zone) => {
    const port = await freePort();
    const fatal: string[] = [];
    const r = await loadServer(selfLoop(port, zone === '.' ? '.' : zone.slice(0, -1)), {
      context: { fatal: (m) => fatal.push(m) },
      listen: { host: '127.0.0.1', port },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    try {
      await waitFor(() => fatal.length > 0, { timeoutMs: 20_000 });
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatch(loopLine(port, zone));
    } finally {
      await r.server.close();
    }
  });

  it('lets a server that forwards to a real upstream be: the probe is answered, no loop', async () => {
    const upstream = await startTestUpstream((q) => reply(q, [], 3));
    const port = await freePort();
    const fatal: string[] = [];
    const r = await loadServer(`.:${port} {\n    loop\n    forward . 127.0.0.1:${upstream.port}\n}\n`, {
      context: { fatal: (m) => fatal.push(m) },
      listen: { host: '127.0.0.1', port },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    try {
      // The probe went through once: our random HINFO name, asked of the upstream.
      await waitFor(() => upstream.seen.some((q) => q.type === 'HINFO'), { timeoutMs: 10_000 });
      const probes = upstream.seen.filter((q) => q.type === 'HINFO');
      expect(probes).toHaveLength(1);
      expect(probes[0]?.name).toMatch(/^[0-9]+\.[0-9]+$/);
      expect(fatal).toEqual([]);
    } finally {
      await r.server.close();
      await upstream.close();
    }
  });

  it("exits with code 1 and CoreDNS's line in a process of its own", async () => {
    const port = await freePort();
    const file = join(dir, `Corefile-${port}`);
    await writeFile(file, selfLoop(port));
    const child = await spawnProcess(fileURLToPath(new URL('./fixtures/serve-corefile.ts', import.meta.url)), [file, String(port)]);
    const code = await Promise.race([child.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 25_000))]);
    if (code === 'timeout') await child.kill('SIGKILL');
    expect(code).toBe(1);
    expect(child.lines.some((l) => loopLine(port).test(l))).toBe(true);
  });

  const coredns = process.env.HALO_COREDNS ?? referencePath('coredns-v1.14.7', 'coredns');
  it.skipIf(!existsSync(coredns))('CoreDNS 1.14.7 prints the same line for the same loop (skipped without it: tools/reference/build.sh coredns)', async () => {
    const port = await freePort();
    const file = join(dir, `Corefile-coredns-${port}`);
    await writeFile(file, selfLoop(port, '.', '    bind 127.0.0.1\n'));
    const child = await spawnProcess(coredns, ['-conf', file]);
    const code = await Promise.race([child.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 25_000))]);
    if (code === 'timeout') await child.kill('SIGKILL');
    expect(code).toBe(1);
    expect(child.lines.some((l) => loopLine(port).test(l))).toBe(true);
  });
});
