// GET /auth/revocations (new): the live revocation list that attendance and the portal poll, with an ETag.
import fastifyEtag from '@fastify/etag';
import { RevocationFeed } from '@tixgo/contracts';
import { httpError } from '@tixgo/platform';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RevocationSync } from '../tokens/revocation-sync.js';

const revocationRoutes: FastifyPluginAsyncZod<{ revocations: RevocationSync }> = async (app, { revocations }) => {
  // Registered inside this plugin: only this route's answers are hashed.
  await app.register(fastifyEtag);

  app.get(
    '/auth/revocations',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoked access tokens that may still be unexpired (polled by the other services)',
        description:
          'Public on purpose: the entries hold only random ids (account uid, login session sid, token ' +
          'version), never a username or role, and tell nothing without a token that carries them. ' +
          'Every service refuses a token that matches: {uid, min_ver} (role changed: tokens of an older ' +
          'version), {uid, deleted} (account deleted), {sid} (logged out, or the login was revoked). An entry ' +
          'stays listed as long as a token issued before it can be alive. Send the ETag back in ' +
          'If-None-Match: an unchanged list is a 304 without a body.',
        response: { 200: RevocationFeed },
      },
    },
    async (_request, reply) => {
      let body: string;
      try {
        body = await revocations.feed();
      } catch (error) {
        // The other services keep their last list meanwhile; this is a dependency failure, not a bug.
        reply.log.warn({ err: error }, 'revocation feed: table unreadable');
        throw httpError(503, 'Revocation list unavailable');
      }
      // Already serialized (a RevocationFeed): the same string for every poller, hashed once per answer.
      const feed = body as unknown as RevocationFeed;
      return reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(feed);
    },
  );
};

export default revocationRoutes;
