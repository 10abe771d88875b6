// HTTP endpoints of health, ready and prometheus. One server per address, shared by path, so
// that a reload can register the new plugin's route before the old one lets go of the port. The
// server's scope owns one HttpRoutes (scope.ts).
import http from 'node:http';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

interface Shared {
  server: http.Server;
  routes: Map<string, { id: symbol; route: Route }[]>;
  refs: number;
  listening: Promise<number>;
}

export interface HttpRoute {
  port: number;
  release(): Promise<void>;
}

export class HttpRoutes {
  readonly #servers = new Map<string, Shared>();

  /** Serves `path` on host:port (a listener shared with other paths) until `release`; the newest route of a path answers. */
  acquire(host: string, port: number, path: string, route: Route): Promise<HttpRoute> {
    return acquireRoute(this.#servers, host, port, path, route);
  }
}

async function acquireRoute(servers: Map<string, Shared>, host: string, port: number, path: string, route: Route): Promise<HttpRoute> {
  const key = `${host}:${port}`;
  let shared = port === 0 ? undefined : servers.get(key);
  if (!shared) {
    const routes = new Map<string, { id: symbol; route: Route }[]>();
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const stack = routes.get(path);
      const current = stack?.[stack.length - 1];
      if (!current) {
        res.writeHead(404).end();
        return;
      }
      Promise.resolve(current.route(req, res)).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    const listening = new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      // SO_REUSEPORT as CoreDNS: the answerers of a pool on one machine share :8080, :8181 and :9153.
      server.listen({ port, host, reusePort: true }, () => {
        server.off('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
    const created: Shared = { server, routes, refs: 0, listening };
    shared = created;
    const sharedKey = port === 0 ? `${key}#${Math.random()}` : key;
    servers.set(sharedKey, created);
    listening.catch(() => servers.delete(sharedKey));
    created.server.on('close', () => servers.delete(sharedKey));
  }
  const id = Symbol(path);
  const stack = shared.routes.get(path) ?? [];
  stack.push({ id, route });
  shared.routes.set(path, stack);
  shared.refs++;
  const owner = shared;
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    const s = owner.routes.get(path) ?? [];
    owner.routes.set(
      path,
      s.filter((r) => r.id !== id),
    );
    owner.refs--;
    if (owner.refs === 0) {
      owner.server.closeAllConnections();
      await new Promise<void>((resolve) => owner.server.close(() => resolve()));
    }
  };
  try {
    return { port: await owner.listening, release };
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
}
