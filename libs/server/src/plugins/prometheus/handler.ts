// Serves the metrics on GET /metrics; DNS queries pass through (the server counts them). Sets
// coredns_plugin_enabled for the plugins of its server block, as CoreDNS's prometheus plugin does.
import type { Gauge, Registry } from 'prom-client';
import type { Handler } from '../../types.ts';
import type { HttpRoute } from '../../http-routes.ts';
import type { ServerScope } from '../../scope.ts';

export interface PrometheusHandler extends Handler {
  port(): number | null;
}

export interface PrometheusDeps {
  /** The server's scope: its HTTP listeners, and the series every running configuration sets. */
  scope: ServerScope;
  registry: Registry;
  /** The scrape's body when it is more than `registry` (ServerContext.metricsText). */
  metricsText?(): Promise<{ contentType: string; body: string }>;
  pluginEnabled?: Gauge<'server' | 'zone' | 'view' | 'name'>;
  /** The block's zones (lowercase, no trailing dot), its handlers and where it listens, once started. */
  zones?: readonly string[];
  blockHandlers?(): readonly Handler[];
  listening?(): { host: string; port: number }[];
}

/**
 * Plugins CoreDNS sets up without a place in the chain (they serve HTTP or watch files): it does not list
 * them in coredns_plugin_enabled, so neither do we.
 */
const OUTSIDE_THE_CHAIN = new Set(['reload', 'health', 'ready']);

type Labels = { server: string; zone: string; view: string; name: string };

function enabledLabels(deps: PrometheusDeps): Labels[] {
  const out: Labels[] = [];
  const names = [...new Set((deps.blockHandlers?.() ?? []).map((h) => h.name).filter((n) => !OUTSIDE_THE_CHAIN.has(n)))];
  for (const { host, port } of deps.listening?.() ?? []) {
    const server = `dns://${host === '0.0.0.0' || host === '::' ? '' : host}:${port}`;
    for (const z of deps.zones ?? []) for (const name of names) out.push({ server, zone: z === '.' ? '.' : `${z}.`, view: '', name });
  }
  return out;
}

export function prometheusHandler(listen: { host: string; port: number }, deps: PrometheusDeps): PrometheusHandler {
  let route: HttpRoute | null = null;
  /** The coredns_plugin_enabled series this configuration holds: a reload's new one sets them before the old one lets go. */
  let enabled: (() => void)[] | null = null;
  const gauge = deps.pluginEnabled;
  /** Sets the block's coredns_plugin_enabled series once its ports are known (port 0 is bound after start). */
  const enable = (): void => {
    if (enabled !== null || !gauge || (deps.listening?.() ?? []).some((l) => l.port === 0)) return;
    enabled = enabledLabels(deps).map((labels) => {
      const series = deps.scope.hold(gauge, JSON.stringify(labels), () => ({ value: labels, close: () => gauge.remove(labels) }));
      gauge.set(labels, 1);
      return series.release;
    });
  };
  return {
    name: 'prometheus',
    transparent: true,
    serve: (req, next) => next(req),
    async start() {
      route = await deps.scope.http.acquire(listen.host, listen.port, '/metrics', async (_req, res) => {
        enable();
        const { contentType, body } = deps.metricsText
          ? await deps.metricsText()
          : { contentType: deps.registry.contentType, body: await deps.registry.metrics() };
        res.writeHead(200, { 'content-type': contentType }).end(body);
      });
      enable();
    },
    port: () => route?.port ?? null,
    async close() {
      for (const release of enabled ?? []) release();
      enabled = null;
      await route?.release();
      route = null;
    },
  };
}
