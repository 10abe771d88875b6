// The config page in headless Chromium (Debian's `chromium`, driven by playwright-core; no browser download):
// a person applies a fragment through the page and sees the rollout reach every instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '@halo/kube';
import { query, waitFor } from '@halo/testing';
import { startStack, type Stack } from '../src/index.ts';

const executablePath = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const haveChromium = existsSync(executablePath);
if (!haveChromium) console.warn(`page test skipped: no Chromium at ${executablePath} (Debian: apt-get install chromium, or set CHROMIUM_BIN)`);

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  if (!haveChromium) return;
  stack = await startStack({ answerers: 2 });
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe.skipIf(!haveChromium)('the config page', () => {
  it('shows errors at their lines, applies a fragment and shows the rollout reach every instance', async () => {
    const page = await browser.newPage();
    await page.goto(stack.config.url);
    await page.fill('#token', stack.config.token);
    await page.click('#save-token');

    await page.fill('#name', 'from-the-page');
    await page.fill('#text', 'page.internal {\n  hostz {\n    10.7.7.7 www.page.internal\n  }\n}\n');
    await page.click('#validate');
    await expect.poll(() => page.textContent('#listing')).toContain('line 2, column 3');
    expect(await page.textContent('#message')).toMatch(/1 error/);

    await page.fill('#text', 'page.internal {\n  hosts {\n    10.7.7.7 www.page.internal\n  }\n}\n');
    await page.click('#apply');
    await expect.poll(() => page.textContent('#message')).toMatch(/applied from-the-page version 1/);
    await expect.poll(() => page.textContent('#fragments')).toContain('from-the-page');

    // Every instance's row turns to the newest version.
    await expect
      .poll(
        async () => {
          const rows = await page.$$eval('#status tbody tr', (trs) =>
            trs.map((tr) => ({ instance: tr.getAttribute('data-instance'), current: tr.className === 'ok' })),
          );
          return rows
            .filter((r) => r.current)
            .map((r) => r.instance)
            .sort();
        },
        { timeout: 15_000 },
      )
      .toEqual(['answerer-0', 'answerer-1', 'node-cache-0']);

    for (const port of [stack.dns.port, stack.cachePort]) {
      await waitFor(
        async () => {
          const response = await query({ host: stack.dns.host, port }, 'www.page.internal', 'A', { timeoutMs: 1_000 });
          return (response.answers ?? []).some((a) => a.type === 'A' && a.data === '10.7.7.7');
        },
        { timeoutMs: 10_000, message: `www.page.internal not answered at :${port}` },
      );
    }
    await page.screenshot({ path: join(tmpdir(), 'halo-config-page.png'), fullPage: true });
  });

  it("shows each instance's DNS programming latency: a change triggered 42 s ago", async () => {
    const kc = loadKubeConfig({ kubeServer: stack.kubeUrl });
    await kc.makeApiClient(CoreV1Api).createNamespacedService({
      namespace: 'shop',
      body: { metadata: { name: 'late', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
    });
    await kc.makeApiClient(DiscoveryV1Api).createNamespacedEndpointSlice({
      namespace: 'shop',
      body: {
        metadata: {
          name: 'late-1',
          namespace: 'shop',
          labels: { 'kubernetes.io/service-name': 'late' },
          annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': new Date(Date.now() - 42_000).toISOString() },
        },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
        endpoints: [{ addresses: ['10.244.42.1'], conditions: { ready: true } }],
      },
    });
    const page = await browser.newPage();
    await page.goto(stack.config.url);
    await page.fill('#token', stack.config.token);
    await page.click('#save-token');
    // The instances write their status every 10 s; the page reads it every second.
    await expect
      .poll(
        async () => {
          const rows = await page.$$eval('#status tbody tr', (trs) =>
            trs.map((tr) => ({ instance: tr.getAttribute('data-instance'), p99: Number(tr.getAttribute('data-p99') ?? 0), text: tr.textContent ?? '' })),
          );
          return rows
            .filter((r) => r.p99 >= 42 && r.p99 < 60 && /\d+\.\d s \(\d+ changes\)/.test(r.text))
            .map((r) => r.instance)
            .sort();
        },
        { timeout: 30_000 },
      )
      .toEqual(['answerer-0', 'answerer-1', 'node-cache-0']);
  });
});
