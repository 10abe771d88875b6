// CoreDNS as the reference: found on this machine (never installed by this tool), run with the same
// Corefile as our answerers, its kubernetes plugin pointed at the same kube-sim.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort, query, referencePath, spawnProcess, waitFor, type ChildHandle } from '@halo/testing';

/** The CoreDNS tools/reference/build.sh builds, and where it puts it. */
export const referenceCoredns = { version: 'v1.14.7', path: (env: NodeJS.ProcessEnv = process.env) => referencePath('coredns-v1.14.7', 'coredns', env) };

/**
 * `--coredns PATH`, else `coredns` on PATH, else tools/reference's build (`$HALO_REFERENCE_DIR`, default
 * ~/.cache/halo-dns/reference), else ~/go/bin/coredns (where `go install` puts it).
 */
export function findCoredns(explicit?: string): string | undefined {
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    if (existsSync(join(dir, 'coredns'))) return join(dir, 'coredns');
  }
  if (existsSync(referenceCoredns.path())) return referenceCoredns.path();
  const goBin = join(process.env.GOPATH ?? join(homedir(), 'go'), 'bin', 'coredns');
  return existsSync(goBin) ? goBin : undefined;
}

export interface CorednsPorts {
  dns: number;
  health: number;
  ready: number;
  metrics: number;
}

/**
 * Our answerers' Corefile made runnable beside them: the server block on `port` and 127.0.0.1, the
 * health/ready/prometheus listeners moved to free ports, and the kubernetes plugin given kube-sim's
 * URL (`endpoint`). Everything else stays as it is, so both sides are configured alike.
 */
export function corednsCorefile(corefile: string, options: { kubeUrl: string; host: string; ports: CorednsPorts }): string {
  const { host, ports } = options;
  return corefile
    .replace(/^(\s*)\.:53(\s*\{)/m, `$1.:${ports.dns}$2\n    bind ${host}`)
    .replace(/^(\s*)health(\s*\{|\s*$)/m, `$1health ${host}:${ports.health}$2`)
    .replace(/^(\s*)ready\s*$/m, `$1ready ${host}:${ports.ready}`)
    .replace(/^(\s*)prometheus\s+\S+/m, `$1prometheus ${host}:${ports.metrics}`)
    .replace(
      /^(\s*)kubernetes\s+([^{\n]*)\{/m,
      (_all, indent: string, zones: string) => `${indent}kubernetes ${zones}{\n${indent}   endpoint ${options.kubeUrl}`,
    );
}

export interface Coredns {
  address: { host: string; port: number };
  handle: ChildHandle;
  corefile: string;
  stop(): Promise<void>;
}

export async function startCoredns(
  binary: string,
  options: { corefile: string; kubeUrl: string; dir: string; host?: string; readyTimeoutMs?: number },
): Promise<Coredns> {
  const host = options.host ?? '127.0.0.1';
  const ports = { dns: await freePort({ udp: true }), health: await freePort(), ready: await freePort(), metrics: await freePort() };
  const text = corednsCorefile(options.corefile, { kubeUrl: options.kubeUrl, host, ports });
  const path = join(options.dir, 'coredns.Corefile');
  await writeFile(path, text);
  const handle = await spawnProcess(binary, ['-conf', path]);
  const address = { host, port: ports.dns };
  try {
    // Ready once its informers have synced: the kubernetes Service answers.
    await waitFor(
      async () => {
        const response = await query(address, 'kubernetes.default.svc.cluster.local', 'A', { timeoutMs: 500 }).catch(() => null);
        return (response?.answers?.length ?? 0) > 0;
      },
      { timeoutMs: options.readyTimeoutMs ?? 30_000, intervalMs: 200 },
    );
  } catch {
    await handle.kill('SIGKILL');
    throw new Error(
      `CoreDNS did not answer for kubernetes.default within ${(options.readyTimeoutMs ?? 30_000) / 1000} s; its last lines:\n${handle.lines.slice(-20).join('\n')}`,
    );
  }
  return {
    address,
    handle,
    corefile: text,
    stop: async () => {
      const killer = setTimeout(() => void handle.kill('SIGKILL'), 8_000);
      await handle.kill('SIGTERM');
      clearTimeout(killer);
    },
  };
}
