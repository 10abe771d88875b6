// Reload: builds and starts new plugin chains beside the running ones, opens the listeners they add,
// swaps them in, and closes the old chains once the queries running on them are done.
import type { CorefileError } from '@halo/corefile';
import type { Answering, ConfigSource } from './answering.ts';
import { buildConfig, closeConfig, type BuildOptions, type RunningConfig } from './config.ts';
import type { Listeners } from './listeners.ts';

/** After a reload, how long the old chains may take to finish their queries before they are closed anyway. */
const DRAIN_MS = 5_000;

/** What a configuration is built with besides its text (the server's file name, context, scope, plugins, listen). */
export type BuildSettings = Omit<BuildOptions, 'invalidate' | 'boundPort' | 'untrusted'>;

export class Configurations implements ConfigSource {
  config: RunningConfig | null = null;
  /** The text `config` was built from. */
  private corefileText: string | null = null;
  /** Queries running on each configuration, so a reload closes the old plugins only once they are done. */
  private readonly inflight = new Map<RunningConfig, { count: number; drained: (() => void) | null }>();
  private readonly settings: BuildSettings;

  constructor(settings: BuildSettings) {
    this.settings = settings;
  }

  /** Builds, starts and swaps in the configuration of this text; the running one stays on any error. */
  async apply(corefileText: string, listeners: Listeners, answering: Answering): Promise<{ ok: true } | { ok: false; errors: CorefileError[] }> {
    // The Corefile it runs already (as CoreDNS's reload sees it): new chains would only cool the caches
    // and, beside the running ones, hold a second zone index until the old ones close.
    if (this.config !== null && corefileText === this.corefileText) return { ok: true };
    const built = buildConfig(corefileText, {
      ...this.settings,
      invalidate: (names) => answering.invalidate(names),
      boundPort: (key) => listeners.port(key),
    });
    if (!built.ok) return built;
    const next = built.config;
    const errors: CorefileError[] = [];
    for (const { handler, directive } of next.handlers) {
      if (!handler.start) continue;
      try {
        await handler.start();
      } catch (err) {
        errors.push({ ...directive.pos, message: `${handler.name}: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    const opened: string[] = [];
    if (errors.length === 0) {
      for (const [key, spec] of next.listens) {
        if (listeners.has(key)) continue;
        try {
          await listeners.open(key, spec);
          opened.push(key);
        } catch (err) {
          errors.push({
            file: this.settings.file,
            line: 1,
            column: 1,
            message: `cannot listen on ${key}: ${err instanceof Error ? err.message : String(err)}`,
          });
        }
      }
    }
    if (errors.length > 0) {
      for (const key of opened) await listeners.close(key);
      await closeConfig(next);
      return { ok: false, errors };
    }
    // The swap: queries already running finish on the old chain, new ones take the new one.
    const previous = this.config;
    this.config = next;
    this.corefileText = corefileText;
    answering.swapped();
    for (const key of listeners.keys()) if (!next.listens.has(key)) await listeners.close(key);
    if (previous) {
      // Closing a forward mid-query would lose that query: let the old chains finish first.
      await this.finishQueries(previous, DRAIN_MS);
      await closeConfig(previous);
    }
    return { ok: true };
  }

  /** Closes the running configuration's plugins. */
  async close(): Promise<void> {
    if (this.config) await closeConfig(this.config);
    this.config = null;
  }

  enter(config: RunningConfig): void {
    const state = this.inflight.get(config);
    if (state) state.count++;
    else this.inflight.set(config, { count: 1, drained: null });
  }

  leave(config: RunningConfig): void {
    const state = this.inflight.get(config);
    if (!state) return;
    state.count--;
    if (state.count > 0) return;
    this.inflight.delete(config);
    state.drained?.();
  }

  /** Waits until the queries running on this configuration have finished, at most timeoutMs. */
  private finishQueries(config: RunningConfig, timeoutMs: number): Promise<void> {
    const state = this.inflight.get(config);
    if (!state || state.count === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        state.drained = null;
        resolve();
      }, timeoutMs);
      state.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
