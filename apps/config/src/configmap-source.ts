// Keeps the ConfigMap fragments equal to the extra-config ConfigMaps: a bad one is logged and reported,
// and its last good version keeps running.
import type { Logger } from 'pino';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { CorefileError } from '@halo/corefile';
import { tracer } from '@halo/telemetry';
import type { Fragments } from './fragments.ts';
import { fragmentsOf } from './configmaps.ts';

export interface RejectedConfigMap {
  fragment: string;
  configMap: string;
  key: string;
  errors: CorefileError[];
  message: string;
}

export class ConfigMapSource {
  readonly #fragments: Fragments;
  readonly #logger: Logger;
  readonly #list: () => V1ConfigMap[];
  readonly #rejected = new Map<string, RejectedConfigMap>();
  #running: Promise<void> = Promise.resolve();

  constructor(fragments: Fragments, list: () => V1ConfigMap[], logger: Logger) {
    this.#fragments = fragments;
    this.#list = list;
    this.#logger = logger;
  }

  /** The ConfigMap fragments the last sync refused. */
  rejected(): RejectedConfigMap[] {
    return [...this.#rejected.values()];
  }

  /** Brings the fragments in line with the ConfigMaps; calls queue, so the last one sees the newest state. */
  sync(): Promise<void> {
    // One trace per sync: the root of the validations, writes and applies a ConfigMap change causes.
    const traced = () =>
      tracer.startActiveSpan('configmap sync', async (span) => {
        try {
          await this.#sync();
        } finally {
          span.end();
        }
      });
    this.#running = this.#running.then(traced).catch((err: unknown) => this.#logger.error({ err }, 'ConfigMap sync failed'));
    return this.#running;
  }

  async #sync(): Promise<void> {
    const desired = this.#list().flatMap(fragmentsOf);
    const names = new Set(desired.map((d) => d.name));
    for (const d of desired) {
      const source = { kind: 'configmap' as const, configMap: d.configMap, key: d.key };
      const result = await this.#fragments.put({ name: d.name, text: d.text, targets: d.targets, author: `configmap:${d.configMap}`, ifMatch: null, source });
      if (result.ok) {
        this.#rejected.delete(d.name);
      } else {
        this.#rejected.set(d.name, { fragment: d.name, configMap: d.configMap, key: d.key, errors: result.errors ?? [], message: result.message });
        this.#logger.warn(
          { fragment: d.name, configMap: d.configMap, key: d.key, errors: result.errors, message: result.message },
          'refusing a ConfigMap fragment; its last good version keeps running',
        );
      }
    }
    for (const f of await this.#fragments.list()) {
      if (f.source.kind !== 'configmap' || names.has(f.name)) continue;
      await this.#fragments.delete({ name: f.name, author: `configmap:${f.source.configMap}`, ifMatch: null, source: f.source });
    }
    for (const name of this.#rejected.keys()) if (!names.has(name)) this.#rejected.delete(name);
  }
}
