// GET /api/live/overview and GET /api/live/events/{id} (new): server-sent events that keep the dashboard and the event page live.
import { fastifySSE } from '@fastify/sse';
import { ErrorBody, IdParams, LIVE_EVENTS, LIVE_LATEST_CHECKINS } from '@tixgo/contracts';
import type { AuthUser } from '@tixgo/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { eventTopicKey, type LiveHub, OVERVIEW_TOPIC_KEY } from '../live/live-hub.js';
import type { LiveMessage, LiveSubscriber, TopicSource } from '../live/live-topic.js';
import { authenticateCaller, callerOf } from '../session/authenticate-caller.js';
import type { AttendanceClient } from '../upstream/attendance-client.js';

export interface LiveRoutesOptions {
  attendance: AttendanceClient;
  hub: LiveHub;
  heartbeatMs: number;
}

/** A stream this far behind (bytes the client has not taken) is ended; its browser reconnects when it can. */
const MAX_UNSENT_BYTES = 256 * 1024;

const STREAM_DESCRIPTION =
  'text/event-stream. Authenticated like every /api route (Bearer or the session cookie). The portal asks ' +
  'attendance for all the streams of a topic at once, with one subscriber’s own token: when attendance ' +
  'announces a change of it (at most once per LIVE_INTERVAL_MS), else every LIVE_SAFETY_POLL_MS; every ' +
  'LIVE_INTERVAL_MS while attendance’s changes cannot be followed. An event is sent only when the answer ' +
  'changed, plus a `ping` {"every_ms"} every LIVE_HEARTBEAT_MS (a client hearing nothing for a few of ' +
  'those reconnects). ' +
  'Other events: `unavailable` {"detail"} while attendance cannot be reached (the stream stays); `expired` ' +
  '{"detail"} when the caller’s token expires or is refused (the stream ends: renew the session, reconnect). ' +
  '503 when LIVE_MAX_STREAMS streams are open; 429 when the account has LIVE_MAX_STREAMS_PER_USER open or the ' +
  'address LIVE_MAX_STREAMS_PER_CLIENT. A token revoked at identity (signed out, deleted, role changed) ends ' +
  'its streams with `expired` within about twice REVOCATION_POLL_SECONDS.';

/** The stream of one request as the hub sees it. */
function subscriberOf(request: FastifyRequest, reply: FastifyReply): LiveSubscriber {
  const caller = callerOf(request);
  const token = caller.token as string; // authenticateCaller ran: the token is verified.
  // Already verified by authenticateCaller; exp is a required claim there.
  const { exp } = request.server.jwt.decode<{ exp: number }>(token) ?? { exp: 0 };
  const write = (message: LiveMessage) => {
    // A stream that closed meanwhile has nothing to lose: its subscriber is being removed.
    if (reply.sse.isConnected) reply.sse.send(message).catch(() => undefined);
  };
  const user = request.user as AuthUser;
  return {
    caller: { ...caller, token },
    expiresAt: exp * 1000,
    owner: { user: user.uid, client: request.ip },
    isRevoked: () => request.server.revocations.isRevoked(user),
    send(message) {
      if (reply.raw.writableLength > MAX_UNSENT_BYTES) {
        request.log.warn({ unsent: reply.raw.writableLength }, 'live stream too far behind: ended');
        reply.sse.close();
        return;
      }
      write(message);
    },
    end(last) {
      if (last) write(last);
      reply.sse.close();
    },
  };
}

const liveRoutes: FastifyPluginAsyncZod<LiveRoutesOptions> = async (app, { attendance, hub, heartbeatMs }) => {
  // Data is JSON text already (attendance's answer as it came): sent as it is, not serialized twice.
  // The heartbeat is an event of ours (`ping`), not a comment: a browser's EventSource sees events
  // only, and the web UI takes a silent stream for a dead portal.
  await app.register(fastifySSE, { heartbeatInterval: 0, serializer: (data: string) => data });
  const ping: LiveMessage = { event: LIVE_EVENTS.ping, data: JSON.stringify({ every_ms: heartbeatMs }) };

  const stream = async (request: FastifyRequest, reply: FastifyReply, source: TopicSource) => {
    const subscriber = subscriberOf(request, reply);
    let heartbeat: NodeJS.Timeout | undefined;
    reply.sse.onClose(() => {
      clearInterval(heartbeat);
      hub.leave(subscriber);
    });
    // Until the first event the answer is not committed: a 404, 401 or 503 is still a JSON error.
    await hub.join(source, subscriber);
    reply.sse.keepAlive();
    if (reply.sse.isConnected) {
      // One at once: the client knows the period from the start.
      subscriber.send(ping);
      heartbeat = setInterval(() => subscriber.send(ping), heartbeatMs);
      heartbeat.unref();
    }
  };

  const overview: TopicSource = {
    key: OVERVIEW_TOPIC_KEY,
    event: LIVE_EVENTS.overview,
    fetch: (caller) => attendance.forward({ method: 'GET', path: '/overview', caller }),
  };

  app.get(
    '/api/live/overview',
    {
      onRequest: authenticateCaller,
      sse: { kind: 'manual' },
      // A HEAD would open a stream with no body to send, held until its client leaves.
      exposeHeadRoute: false,
      schema: {
        tags: ['live'],
        summary: 'The dashboard, live: `overview` events (the body of GET /api/overview) when it changes',
        description: STREAM_DESCRIPTION,
        security: [{ bearerAuth: [] }],
        response: { 401: ErrorBody, 429: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => stream(request, reply, overview),
  );

  app.get(
    '/api/live/events/:id',
    {
      onRequest: authenticateCaller,
      sse: { kind: 'manual' },
      // A HEAD would open a stream with no body to send, held until its client leaves.
      exposeHeadRoute: false,
      schema: {
        tags: ['live'],
        summary: `One event, live: \`stats\` events (GET /api/events/{id}/stats?latest=${LIVE_LATEST_CHECKINS}) when they change`,
        description: `${STREAM_DESCRIPTION} 404 for an unknown event; \`not_found\` {"detail"} ends the stream when the event is deleted.`,
        security: [{ bearerAuth: [] }],
        params: IdParams,
        response: { 401: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      const path = `/events/${encodeURIComponent(id)}/stats?latest=${LIVE_LATEST_CHECKINS}`;
      return stream(request, reply, {
        key: eventTopicKey(id),
        event: LIVE_EVENTS.stats,
        fetch: (caller) => attendance.forward({ method: 'GET', path, caller }),
      });
    },
  );
};

export default liveRoutes;
