// The web UI: its built files (services/portal/web/dist) with hashed assets cached for a year, and index.html — never cached — for every page path of the app.
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** Where `pnpm build` puts the UI: beside src/ and dist/ of the portal, so both find it. */
export const WEB_DIST_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * The paths the UI's router answers (web/src/app.tsx): a reload or a shared link must get the app,
 * while any other unknown path stays the API's JSON 404.
 */
export const UI_PATHS = [
  '/',
  '/sign-in',
  '/register',
  '/dashboard',
  '/station',
  '/events/:id',
  '/admin/events',
  '/admin/events/*',
  '/admin/users',
  // Names people type (the app sends them on to /sign-in and /admin/events).
  '/login',
  '/admin',
];

/**
 * Paths that belong to the API and the service's own pages: an unknown one stays the JSON 404
 * (compat), whoever asks. Every other unknown path asked by a browser for a page gets the UI's
 * not-found page (index.html with a 404: the app says so in the person's language).
 */
const API_PATHS = /^\/(api|docs|openapi\.json|metrics|health|ready|assets|ca\.crt)(\/|$|\?)/;

/** True for a browser asking for a page (its Accept names HTML), a GET or HEAD outside the API. */
export function wantsUiPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (API_PATHS.test(request.url)) return false;
  return String(request.headers.accept ?? '').includes('text/html');
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>TixGo portal</title></head>
<body><h1>TixGo portal</h1>
<p>The web interface has not been built: run <code>pnpm build</code> (or <code>pnpm start</code>).
/ Antarmuka web belum dibangun: jalankan <code>pnpm build</code>.</p>
<p>The API answers under <code>/api</code>: see the <a href="/docs">API documentation</a>.</p>
</body></html>`;

export interface WebUiOptions {
  root?: string | undefined;
  /** Set here to the UI's not-found answer (the portal's NotFoundPage calls it). */
  notFound: { page?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined };
}

const webUiRoutes: FastifyPluginAsync<WebUiOptions> = async (app, options) => {
  const root = options.root ?? WEB_DIST_DIR;
  const index = path.join(root, 'index.html');
  if (!existsSync(index)) {
    app.log.warn({ root }, 'web UI not built: serving a placeholder page');
    for (const url of UI_PATHS) {
      app.get(url, { schema: { hide: true } }, async (_request, reply) =>
        reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(NOT_BUILT),
      );
    }
    return;
  }

  const assets = path.join(root, 'assets');
  // Hashed assets (scripts, styles, the QR decoder's .wasm), read when asked: a rebuild while the
  // portal runs is served at once. Vite names each by its content hash: a year's cache is safe.
  await app.register(fastifyStatic, {
    root: assets,
    prefix: '/assets/',
    wildcard: true,
    index: false,
    cacheControl: false,
    // The build writes a .br and a .gz beside each text file and the .wasm (web/scripts/precompress.mjs):
    // sent as they are to a browser that accepts them (brotli first), the file itself to any other.
    // This covers sendFile() below too (index.html and the top-level files).
    preCompressed: true,
    // sendFile() of index.html and the top-level files goes through here too: only assets are immutable.
    setHeaders(reply, file) {
      reply.header('cache-control', file.startsWith(assets + path.sep) ? IMMUTABLE : 'no-cache');
    },
  });

  // The files at the top of the build (index.html, the icon, the service worker and its Workbox
  // runtime, the manifest) keep their names from build to build, so they are never cached without
  // asking. /index.html itself is what the service worker keeps for every page path offline.
  const topLevel = readdirSync(root, { withFileTypes: true }).filter(
    (entry) => entry.isFile() && !/\.(br|gz)$/.test(entry.name),
  );
  for (const entry of topLevel) {
    app.get(`/${entry.name}`, { schema: { hide: true } }, async (_request, reply) => reply.sendFile(entry.name, root));
  }

  for (const url of UI_PATHS) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html', root));
  }

  // Browsers ask for /favicon.ico whatever the page names: the same icon.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => reply.sendFile('favicon.svg', root));

  // An unknown page path: the app itself, which shows its not-found page, answered 404. Read per
  // request (under 1 KB) like the page routes, so a rebuild is served at once. (reply.sendFile is not
  // there: the not-found handler's replies predate the static plugin.)
  options.notFound.page = (request, reply) =>
    wantsUiPage(request)
      ? reply
          .code(404)
          .header('cache-control', 'no-cache')
          .type('text/html; charset=utf-8')
          .send(createReadStream(index))
      : undefined;
};

export default webUiRoutes;
