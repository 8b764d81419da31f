// GET /changes (new, for gateways): the events whose stats changed, as server-sent events, from every replica.
import { ErrorBody } from '@tixgo/contracts';
import { trustedForwarder } from '@tixgo/platform';
import type { FastifyPluginAsync } from 'fastify';
import type { Change, ChangeListener } from '../changes/change-feed.js';

export interface ChangesRouteOptions {
  listener: ChangeListener;
  trustProxy: string[] | false;
  /** A comment line this often, so that a follower notices a dead replica (and no proxy drops a quiet stream). */
  heartbeatMs: number;
}

/** A follower this far behind (bytes it has not taken) is ended; it starts over when it can. */
const MAX_UNSENT_BYTES = 64 * 1024;

const changesRoutes: FastifyPluginAsync<ChangesRouteOptions> = async (app, { listener, trustProxy, heartbeatMs }) => {
  const isTrustedGateway = trustedForwarder(trustProxy || undefined);

  app.get(
    '/changes',
    {
      // A HEAD would open a stream with no body to send.
      exposeHeadRoute: false,
      schema: {
        tags: ['events'],
        summary: 'The events whose stats changed, as they commit on any replica (for gateways such as the portal)',
        description:
          'text/event-stream. `change` events: {"events":[ids]} after writes to those events committed on any ' +
          'replica sharing this database (PostgreSQL LISTEN/NOTIFY), or {"all":true} after a write whose event ' +
          'is not known; a comment line as heartbeat. Only what was committed after the answer’s headers is ' +
          'announced: read what you need after them. The stream ends when this replica loses the connection ' +
          'it listens on (changes may have been missed: start over). Only from the addresses in TRUST_PROXY ' +
          '(403 otherwise); 503 while this replica is not listening.',
        response: { 403: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      if (!isTrustedGateway(request.socket.remoteAddress ?? '')) {
        return reply.code(403).send({ detail: 'Only a gateway named in TRUST_PROXY may follow changes' });
      }
      if (!listener.listening) {
        return reply.code(503).header('retry-after', '5').send({ detail: 'Change notifications unavailable' });
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      const write = (text: string) => {
        if (res.writableLength > MAX_UNSENT_BYTES) {
          request.log.warn({ unsent: res.writableLength }, 'change follower too far behind: ended');
          res.destroy();
          return;
        }
        res.write(text);
      };
      const unfollow = listener.follow({
        send: (change: Change) => write(`event: change\ndata: ${JSON.stringify(change)}\n\n`),
        end: () => res.end(),
      });
      const heartbeat = setInterval(() => write(':\n\n'), heartbeatMs);
      res.on('close', () => {
        clearInterval(heartbeat);
        unfollow();
      });
      // Followed from here on: the follower reads after these bytes.
      res.write(': following\n\n');
    },
  );
};

export default changesRoutes;
