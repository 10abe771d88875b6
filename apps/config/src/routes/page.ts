// The page for people at `/`: one static HTML file that talks to the API with the token you give it.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';

const pageFile = new URL('../page/index.html', import.meta.url);

export interface Page {
  html: string;
  /** CSP sources of its inline <script> and <style> elements: only these run, nothing injected does. */
  scriptHashes: string[];
  styleHashes: string[];
}

const hashes = (html: string, tag: 'script' | 'style') =>
  [...html.matchAll(new RegExp(`<${tag}[^>]*>([^]*?)</${tag}>`, 'g'))].map((m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`);

export async function loadPage(): Promise<Page> {
  const html = await readFile(pageFile, 'utf8');
  return { html, scriptHashes: hashes(html, 'script'), styleHashes: hashes(html, 'style') };
}

export function pageRoutes(page: Page) {
  return async function routes(app: FastifyInstance) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page.html),
    );
  };
}
