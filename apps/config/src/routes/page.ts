// The page for people at `/`: one static HTML file that talks to the API with the token you give it.
import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';

const pageFile = new URL('../page/index.html', import.meta.url);

export async function pageRoutes(app: FastifyInstance) {
  const html = await readFile(pageFile, 'utf8');
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html));
}
