// Where the reference build (tools/reference/build.sh) put etcd, kube-apiserver and kubectl; the script
// is the one place that knows their versions and folder.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  kubectl: string;
}

export type BinariesResult = ({ ok: true } & ControlPlaneBinaries) | { ok: false; message: string };

const buildScript = fileURLToPath(new URL('../../reference/build.sh', import.meta.url));
export const howToBuild = 'tools/reference/build.sh etcd kube-apiserver (needs Go and its module proxy; ~5 min the first time)';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The built binaries, or why there are none and how to get them. */
export function findControlPlaneBinaries(env: NodeJS.ProcessEnv = process.env): BinariesResult {
  let paths: string[];
  try {
    paths = execFileSync('bash', [buildScript, 'path', 'etcd', 'kube-apiserver', 'kubectl'], { encoding: 'utf8', env }).trim().split('\n');
  } catch (error) {
    return { ok: false, message: `cannot ask ${buildScript} where the binaries are: ${(error as Error).message}` };
  }
  const [etcd = '', kubeApiserver = '', kubectl = ''] = paths;
  const missing = [etcd, kubeApiserver, kubectl].filter((file) => !executable(file));
  if (missing.length > 0) return { ok: false, message: `not built: ${missing.join(', ')}; build them with ${howToBuild}` };
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return { ok: false, message: 'openssl is not installed (it makes the certificates): apt-get install openssl' };
  }
  return { ok: true, etcd, kubeApiserver, kubectl };
}
