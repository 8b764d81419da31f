// GET /: the small landing page of a backend service (like the original's), pointing at its docs and health.
import type { FastifyInstance } from 'fastify';

export interface LandingOptions {
  /** e.g. "identity". */
  name: string;
  /** One sentence on what the service owns. */
  description: string;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

export async function landingPage(app: FastifyInstance, options: LandingOptions): Promise<void> {
  const name = escapeHtml(options.name);
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TixGo ${name}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>TixGo ${name} service</h1>
<p>${escapeHtml(options.description)}</p>
<ul><li><a href="/docs">API documentation</a></li><li><a href="/health">Health check</a></li></ul>
</body></html>`;
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(page),
  );
}
