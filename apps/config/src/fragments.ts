// What the API and the ConfigMap source do with fragments: validate whole, write a version, publish
// the effective config of every target the change touches. Nothing changes when a step says no.
import { configTargets, type ConfigTarget, type EffectiveConfigV1, type FragmentSource, type FragmentStore, type FragmentV1 } from '@halo/bus';
import { composeCorefile, validateComposition, validateFragment, type ClusterNetworks } from '@halo/fragments';
import type { CorefileError } from '@halo/corefile';
import { LockTimeout, type CommitLock } from './commit-lock.ts';
import { SpanStatusCode } from '@opentelemetry/api';
import { ATTR_CONFIG_ERRORS, ATTR_CONFIG_FRAGMENT, ATTR_CONFIG_VERSION, ATTR_ERROR_TYPE, tracer } from '@halo/telemetry';

export type ChangeResult =
  | { ok: true; fragment: FragmentV1; effective: EffectiveConfigV1[] }
  | { ok: false; status: 404 | 409 | 403 | 422 | 503; message: string; errors?: CorefileError[]; current?: number };

export interface FragmentChange {
  name: string;
  author: string;
  /** The version the writer read (0: the fragment must not exist); null: no check (ConfigMaps). */
  ifMatch: number | null;
  source?: FragmentSource;
}

export interface FragmentsOptions {
  clusterZone: string;
  /** The Service, Pod and node ranges fragments may not reach (default: @halo/fragments' defaultNetworks). */
  networks?: ClusterNetworks;
  /** The zones each target's own Corefile serves. */
  own?: Partial<Record<ConfigTarget, readonly string[]>>;
  /** Serializes changes across replicas; without it, only this process's changes are serialized. */
  lock?: CommitLock;
}

export class Fragments {
  readonly #store: FragmentStore;
  readonly #options: FragmentsOptions;
  #local: Promise<unknown> = Promise.resolve();

  constructor(store: FragmentStore, options: FragmentsOptions) {
    this.#store = store;
    this.#options = options;
  }

  /** Validate and write one change at a time (every replica): what was checked is what lands. */
  async #serialized(change: () => Promise<ChangeResult>): Promise<ChangeResult> {
    const { lock } = this.#options;
    const run = this.#local.then(() => (lock ? lock.hold(change) : change()));
    this.#local = run.catch(() => undefined);
    try {
      return await run;
    } catch (err) {
      if (err instanceof LockTimeout) return { ok: false, status: 503, message: `${err.message}; nothing was changed: try again` };
      throw err;
    }
  }

  async list(): Promise<FragmentV1[]> {
    return (await this.#store.list()).filter((f) => !f.deleted);
  }

  async get(name: string): Promise<FragmentV1 | null> {
    const found = await this.#store.get(name);
    return found && !found.fragment.deleted ? found.fragment : null;
  }

  versions(name: string): Promise<FragmentV1[]> {
    return this.#store.versions(name);
  }

  async effective(target: ConfigTarget): Promise<EffectiveConfigV1 | null> {
    return (await this.#store.effective(target))?.config ?? null;
  }

  /**
   * Every error of the fragment against the live ones and each target's own Corefile, then of the whole
   * text each target will compose with it; empty when it may be applied. In a `fragment validate` span.
   */
  async validate(name: string, text: string, targets: ConfigTarget[]): Promise<CorefileError[]> {
    return tracer.startActiveSpan('fragment validate', { attributes: { [ATTR_CONFIG_FRAGMENT]: name } }, async (span) => {
      try {
        const errors = await this.#validate(name, text, targets);
        span.setAttribute(ATTR_CONFIG_ERRORS, errors.length);
        const [first] = errors;
        if (first) {
          span.setAttribute(ATTR_ERROR_TYPE, 'invalid_fragment');
          span.setStatus({ code: SpanStatusCode.ERROR, message: `${errors.length} error(s); first: ${first.line}:${first.column}: ${first.message}` });
        }
        return errors;
      } finally {
        span.end();
      }
    });
  }

  async #validate(name: string, text: string, targets: ConfigTarget[]): Promise<CorefileError[]> {
    const live = (await this.list()).filter((f) => f.name !== name);
    const options = { clusterZone: this.#options.clusterZone, networks: this.#options.networks, own: this.#options.own };
    const others = live.filter((f) => f.targets.some((t) => targets.includes(t)));
    const errors = validateFragment({ name, text, targets }, { ...options, others });
    if (errors.length > 0) return errors;
    const next = [...live, { name, text, targets }];
    return targets.flatMap((target) => validateComposition(target, next));
  }

  put(change: FragmentChange & { text: string; targets: ConfigTarget[] }): Promise<ChangeResult> {
    return this.#serialized(() => this.#put(change));
  }

  async #put(change: FragmentChange & { text: string; targets: ConfigTarget[] }): Promise<ChangeResult> {
    const current = await this.#store.get(change.name);
    const readOnly = this.#readOnly(current?.fragment, change.source);
    if (readOnly) return readOnly;
    const errors = await this.validate(change.name, change.text, change.targets);
    if (errors.length > 0) return { ok: false, status: 422, message: `fragment "${change.name}" has ${errors.length} error(s); nothing was changed`, errors };
    if (
      current &&
      !current.fragment.deleted &&
      current.fragment.text === change.text &&
      sameTargets(current.fragment.targets, change.targets) &&
      change.ifMatch === null
    ) {
      return { ok: true, fragment: current.fragment, effective: [] };
    }
    return this.#write(change, { text: change.text, targets: change.targets, change: 'put', deleted: false }, current?.fragment);
  }

  delete(change: FragmentChange): Promise<ChangeResult> {
    return this.#serialized(() => this.#delete(change));
  }

  async #delete(change: FragmentChange): Promise<ChangeResult> {
    const current = await this.#store.get(change.name);
    if (!current || current.fragment.deleted) return { ok: false, status: 404, message: `no fragment named "${change.name}"` };
    const readOnly = this.#readOnly(current.fragment, change.source);
    if (readOnly) return readOnly;
    return this.#write(change, { text: current.fragment.text, targets: current.fragment.targets, change: 'delete', deleted: true }, current.fragment);
  }

  rollback(change: FragmentChange & { version: number }): Promise<ChangeResult> {
    return this.#serialized(() => this.#rollback(change));
  }

  async #rollback(change: FragmentChange & { version: number }): Promise<ChangeResult> {
    const current = await this.#store.get(change.name);
    const readOnly = this.#readOnly(current?.fragment, change.source);
    if (readOnly) return readOnly;
    const target = await this.#store.version(change.name, change.version);
    if (!target) return { ok: false, status: 404, message: `fragment "${change.name}" has no version ${change.version}` };
    if (target.deleted)
      return { ok: false, status: 422, message: `version ${change.version} of "${change.name}" is a deletion; roll back to a version that has text` };
    const errors = await this.validate(change.name, target.text, target.targets);
    if (errors.length > 0) return { ok: false, status: 422, message: `version ${change.version} no longer validates; nothing was changed`, errors };
    return this.#write(
      change,
      { text: target.text, targets: target.targets, change: 'rollback', rolledBackTo: change.version, deleted: false },
      current?.fragment,
    );
  }

  /** Publishes the effective config of every target again (at start, and after a ConfigMap sync). */
  async publish(targets: readonly ConfigTarget[] = configTargets): Promise<EffectiveConfigV1[]> {
    return Promise.all(targets.map((t) => this.#store.publishEffective(t, (live) => composeCorefile(live))));
  }

  #readOnly(current: FragmentV1 | undefined, source: FragmentSource | undefined): ChangeResult | null {
    if (current && !current.deleted && current.source.kind === 'configmap' && source?.kind !== 'configmap') {
      return {
        ok: false,
        status: 403,
        message: `fragment "${current.name}" comes from ConfigMap ${current.source.configMap} (key ${current.source.key}) and is read-only here: edit the ConfigMap`,
      };
    }
    return null;
  }

  async #write(
    change: FragmentChange,
    body: Pick<FragmentV1, 'text' | 'targets' | 'change' | 'deleted'> & { rolledBackTo?: number },
    previous: FragmentV1 | undefined,
  ): Promise<ChangeResult> {
    // The write, and the effective config of each target it changes (a `send halo-config` span each).
    return tracer.startActiveSpan('fragment write', { attributes: { [ATTR_CONFIG_FRAGMENT]: change.name } }, async (span): Promise<ChangeResult> => {
      try {
        const written = await this.#store.write(
          { name: change.name, author: change.author, source: change.source ?? { kind: 'api' }, ...body },
          change.ifMatch,
        );
        if (!written.ok) {
          span.setAttribute(ATTR_ERROR_TYPE, 'conflict');
          span.setStatus({ code: SpanStatusCode.ERROR, message: `at version ${written.current}, not ${change.ifMatch}` });
          return {
            ok: false,
            status: 409,
            current: written.current,
            message: `fragment "${change.name}" is at version ${written.current}, not ${change.ifMatch}: read it again and retry`,
          };
        }
        span.setAttribute(ATTR_CONFIG_VERSION, written.fragment.version);
        const targets = configTargets.filter((t) => body.targets.includes(t) || previous?.targets.includes(t));
        return { ok: true, fragment: written.fragment, effective: await this.publish(targets) };
      } finally {
        span.end();
      }
    });
  }
}

const sameTargets = (a: ConfigTarget[], b: ConfigTarget[]) => a.length === b.length && a.every((t) => b.includes(t));
