// Finding the binaries tests run beside Halo: on PATH, or where tools/reference/build.sh puts them.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where tools/reference/build.sh puts a binary: `<dir>/<name>-<version>/<binary>`, the folder being
 * $HALO_REFERENCE_DIR, else $XDG_CACHE_HOME/halo-dns/reference, else ~/.cache/halo-dns/reference (as
 * the script decides it).
 */
export function referencePath(folder: string, binary: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = env.HALO_REFERENCE_DIR || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'halo-dns', 'reference');
  return join(root, folder, binary);
}
