// startKubeSim: a store with the default cluster objects and seeds, served over HTTP.
import { ObjectStore } from './store.ts';
import { startApiServer } from './server.ts';
import type { SeedError } from './seed.ts';
import { defaultObjects, seedFile, seedObjects } from './seed.ts';

export interface KubeSimOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  seedFiles?: string[];
  /** How many change events are kept for watches and continue tokens; older resourceVersions get 410 Gone. */
  historyLimit?: number;
  bookmarkIntervalMs?: number;
}

export interface KubeSim {
  url: string;
  port: number;
  store: ObjectStore;
  close(): Promise<void>;
  /** Drops all history, so any older resourceVersion gets 410 Gone (for tests). */
  compact(): void;
  /** Ends every open watch stream cleanly (as an API server restart does); clients re-watch. */
  closeWatches(): void;
}

/** A seed that cannot be read or stored: thrown by startKubeSim, with a code and the file in its message. */
export class KubeSimSeedError extends Error {
  readonly code: SeedError['code'];
  constructor(error: SeedError) {
    super(error.message);
    this.name = 'KubeSimSeedError';
    this.code = error.code;
  }
}

export async function startKubeSim(options: KubeSimOptions = {}): Promise<KubeSim> {
  const store = new ObjectStore({ historyLimit: options.historyLimit });
  const defaults = seedObjects(store, defaultObjects(), 'defaults');
  if (!defaults.ok) throw new KubeSimSeedError(defaults.error);
  for (const file of options.seedFiles ?? []) {
    const seeded = await seedFile(store, file);
    if (!seeded.ok) throw new KubeSimSeedError(seeded.error);
  }
  const server = await startApiServer({ store, port: options.port, host: options.host, bookmarkIntervalMs: options.bookmarkIntervalMs });
  return {
    url: server.url,
    port: server.port,
    store,
    close: () => server.close(),
    compact: () => store.compact(),
    closeWatches: () => server.closeWatches(),
  };
}
