// GET /: a small landing page pointing at the docs and health check.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TixGo attendance</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>TixGo attendance service</h1>
<p>Events, tickets and check-ins for TixGo.</p>
<ul><li><a href="/docs">API documentation</a></li><li><a href="/health">Health check</a></li></ul>
</body></html>`;

const landingRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(PAGE),
  );
};

export default landingRoutes;
