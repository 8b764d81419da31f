// The web UI: its built files (services/portal/web/dist) with hashed assets cached for a year, and index.html — never cached — for every page path of the app.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

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
];

const IMMUTABLE = 'public, max-age=31536000, immutable';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>TixGo portal</title></head>
<body><h1>TixGo portal</h1>
<p>The web interface has not been built: run <code>pnpm build</code> (or <code>pnpm start</code>).
/ Antarmuka web belum dibangun: jalankan <code>pnpm build</code>.</p>
<p>The API answers under <code>/api</code>: see the <a href="/docs">API documentation</a>.</p>
</body></html>`;

const webUiRoutes: FastifyPluginAsync<{ root?: string }> = async (app, options) => {
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
    // sendFile() of index.html and the top-level files goes through here too: only assets are immutable.
    setHeaders(reply, file) {
      reply.header('cache-control', file.startsWith(assets + path.sep) ? IMMUTABLE : 'no-cache');
    },
  });

  // The files at the top of the build (index.html, the icon, the service worker and its Workbox
  // runtime, the manifest) keep their names from build to build, so they are never cached without
  // asking. /index.html itself is what the service worker keeps for every page path offline.
  const topLevel = readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isFile());
  for (const entry of topLevel) {
    app.get(`/${entry.name}`, { schema: { hide: true } }, async (_request, reply) => reply.sendFile(entry.name, root));
  }

  for (const url of UI_PATHS) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html', root));
  }
};

export default webUiRoutes;
