// GET /: a placeholder until the web UI lands; plain HTML, no script (the CSP allows none inline).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>TixGo portal</title></head>
<body>
<h1>TixGo portal</h1>
<p>The web interface is coming soon. / Antarmuka web segera hadir.</p>
<p>Meanwhile the API answers under <code>/api</code>: see the <a href="/docs">API documentation</a>.</p>
</body></html>`;

const landingRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(PAGE),
  );
};

export default landingRoutes;
