// POST /api/checkins and GET /api/checkins (spec: portal): attendance's check-ins in the portal's shapes.
import {
  CheckinBody,
  type CheckinCreated,
  type CheckinRecord,
  DuplicateCheckin,
  ErrorBody,
  type Event,
  IdempotencyHeaders,
  type MyCheckins,
  MyCheckinsQuery,
  PortalCheckin,
  PortalMyCheckins,
  toPortalCheckin,
  toPortalMyCheckins,
} from '@tixgo/contracts';
import type { onRequestHookHandler } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authenticateCaller, callerOf } from '../session/authenticate-caller.js';
import type { AttendanceClient } from '../upstream/attendance-client.js';
import type { Caller } from '../upstream/caller.js';
import { checkinKey } from '../upstream/delivered-keys.js';
import { sendItemAnswer, sendUpstream, upstreamJson } from '../upstream/pass-through.js';
import { queryString } from '../upstream/query-string.js';

/** Names of the events `checkins` belong to; an event that was never registered has none. */
async function eventNames(
  attendance: AttendanceClient,
  caller: Caller,
  checkins: CheckinRecord[],
  eventId: string | undefined,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (checkins.length === 0) return names;
  if (eventId !== undefined) {
    const upstream = await attendance.getEvent(caller, eventId);
    if (upstream.status === 200) names.set(eventId, upstreamJson<Event>(upstream).title);
    return names;
  }
  const upstream = await attendance.listEvents(caller);
  if (upstream.status === 200) for (const event of upstreamJson<Event[]>(upstream)) names.set(event.id, event.title);
  return names;
}

export interface CheckinsRoutesOptions {
  attendance: AttendanceClient;
  /** onRequest: check-ins per client address (see checkin-client-limit.ts). */
  limitCheckins: onRequestHookHandler;
}

const checkinsRoutes: FastifyPluginAsyncZod<CheckinsRoutesOptions> = async (app, { attendance, limitCheckins }) => {
  const security = [{ bearerAuth: [] }];

  app.post(
    '/api/checkins',
    {
      onRequest: [limitCheckins, authenticateCaller],
      schema: {
        tags: ['checkins'],
        summary: 'Check a ticket in at the gate',
        description:
          'An Idempotency-Key header is passed on to attendance (scoped to the caller): a retry with the ' +
          'same key and body replays the first answer; the same key with another body is a 422. ' +
          'Rate-limited per client address here and per user at attendance: 429 with Retry-After.',
        security,
        headers: IdempotencyHeaders,
        body: CheckinBody,
        response: { 201: PortalCheckin, 404: ErrorBody, 409: DuplicateCheckin, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const key = checkinKey(request, reply, attendance);
      const answer = await attendance.checkIn(callerOf(request), request.body, { key });
      // The duplicate (409 with the first scan's record), 404 and 422 reach the gate as attendance said them.
      if (answer.status !== 201) return sendItemAnswer(reply, answer);
      const { record } = answer.body as CheckinCreated;
      return reply.code(201).send(toPortalCheckin(record));
    },
  );

  app.get(
    '/api/checkins',
    {
      onRequest: authenticateCaller,
      schema: {
        tags: ['checkins'],
        summary: "The caller's own check-ins, optionally of one event",
        security,
        querystring: MyCheckinsQuery,
        response: { 200: PortalMyCheckins },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const upstream = await attendance.myCheckins(caller, queryString(request.query));
      if (upstream.status !== 200) return sendUpstream(reply, upstream);
      const mine = upstreamJson<MyCheckins>(upstream);
      const names = await eventNames(attendance, caller, mine.checkins, request.query.event_id);
      return toPortalMyCheckins(mine, names);
    },
  );
};

export default checkinsRoutes;
