// What one server owns and hands to its plugins at setup: zone changes, things shared by every
// configuration across reloads (an index, an HTTP listener), and nothing kept in module globals.
import { HttpRoutes } from './http-routes.ts';
import type { ServerContext } from './types.ts';

type ZoneListener = (names: string[]) => void;

interface Held {
  value: unknown;
  holders: number;
  close: () => void;
}

export class ServerScope {
  /** The HTTP listeners of *health*, *ready* and *prometheus*, one per address, handed over on reload. */
  readonly http = new HttpRoutes();
  readonly #zoneListeners = new Set<ZoneListener>();
  readonly #held = new WeakMap<object, Map<string, Held>>();

  /** `context.onZoneChange` (the app's hook) hears every zone change, after the plugins. */
  constructor(context: ServerContext = {}) {
    const app = context.onZoneChange?.bind(context);
    if (app) this.#zoneListeners.add(app);
  }

  /** Tells every listener the names a zone change touched (the *kubernetes* plugin, as it applies one). */
  zoneChanged(names: string[]): void {
    for (const listener of [...this.#zoneListeners]) listener(names);
  }

  /** Hears zone changes (a *cache* drops those names); returns what stops it, for `onClose`. */
  onZoneChange(listener: ZoneListener): () => void {
    this.#zoneListeners.add(listener);
    return () => {
      this.#zoneListeners.delete(listener);
    };
  }

  /**
   * One `T` per owner and key, shared by every configuration that asks while another holds it (a reload
   * builds the new chains beside the running ones). Made by `open` on first use, closed when its last
   * holder lets go; `release` is idempotent.
   */
  hold<T>(owner: object, key: string, open: () => { value: T; close: () => void }): { value: T; release: () => void } {
    let byKey = this.#held.get(owner);
    if (!byKey) this.#held.set(owner, (byKey = new Map()));
    let held = byKey.get(key);
    if (!held) {
      const opened = open();
      held = { value: opened.value, holders: 0, close: opened.close };
      byKey.set(key, held);
    }
    held.holders++;
    const found = held;
    const map = byKey;
    let released = false;
    return {
      value: found.value as T,
      release: () => {
        if (released) return;
        released = true;
        if (--found.holders > 0) return;
        found.close();
        if (map.get(key) === found) map.delete(key);
      },
    };
  }
}
