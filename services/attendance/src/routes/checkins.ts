// POST /checkins and GET /checkins (spec: attendance, check-ins), and the one mapping of a check-in outcome to HTTP.
import {
  CheckinBody,
  CheckinCreated,
  DuplicateCheckin,
  ErrorBody,
  IdempotencyHeaders,
  MyCheckins,
  MyCheckinsQuery,
} from '@tixgo/contracts';
import { authenticate, httpErrors } from '@tixgo/platform';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkinsBy } from '../checkins/attendance-pages.js';
import type { KeyedOutcome } from '../checkins/idempotency.js';
import { recordCheckin, type ScanRequest } from '../checkins/record-checkin.js';
import { judgeTicket } from '../checkins/ticket-policy.js';
import { checkinPage } from './cursors.js';
import type { AttendanceRouteOptions } from './route-options.js';

export const ALREADY_CHECKED_IN = 'Ticket already checked in';

/** Responses of every check-in endpoint, for /openapi.json. */
export const CHECKIN_RESPONSES = {
  201: CheckinCreated,
  404: ErrorBody.describe('"Event not found" or "Ticket not found for this event"'),
  409: DuplicateCheckin,
  422: ErrorBody.describe('invalid body, or an Idempotency-Key reused with a different body'),
};

/** Sends the answer for a check-in outcome: 201, 409 with the earlier record, 404, or 422. */
export function answerCheckin(
  reply: FastifyReply,
  outcome: KeyedOutcome,
  requireRegisteredEvent: boolean,
): FastifyReply {
  switch (outcome.kind) {
    case 'created':
      return reply.code(201).send({ status: 'checked_in', record: outcome.record });
    case 'duplicate':
      return reply.code(409).send({ detail: ALREADY_CHECKED_IN, record: outcome.record });
    case 'key-reused':
      throw httpErrors.unprocessable('Idempotency-Key was already used for a different request');
    case 'refused': {
      const verdict = judgeTicket(outcome.facts, requireRegisteredEvent);
      if (verdict === 'event-not-found') throw httpErrors.notFound('Event not found');
      if (verdict === 'ticket-not-found') throw httpErrors.notFound('Ticket not found for this event');
      // The statement refused what the policy accepts: the SQL gate and judgeTicket disagree.
      throw new Error(`check-in refused although the ticket rule accepts it: ${JSON.stringify(outcome.facts)}`);
    }
  }
}

/** The idempotency part of a scan, when the request carries a key. */
export function idempotencyOf(
  key: string | undefined,
  route: string,
  ttlSeconds: number,
): ScanRequest['idempotency'] | undefined {
  return key === undefined ? undefined : { key, route, ttlSeconds };
}

const checkinRoutes: FastifyPluginAsyncZod<AttendanceRouteOptions> = async (app, { db, config, batcher }) => {
  const security = [{ bearerAuth: [] }];

  app.post(
    '/checkins',
    {
      onRequest: authenticate,
      schema: {
        tags: ['check-ins'],
        summary: 'Check a ticket in (exactly once per event)',
        description:
          'checked_in_by is the caller. An Idempotency-Key header makes a repeat of the same request ' +
          'replay the first answer; the same key with a different body is a 422.',
        security,
        headers: IdempotencyHeaders,
        body: CheckinBody,
        response: CHECKIN_RESPONSES,
      },
    },
    async (request, reply) => {
      const { event_id, ticket_id, location } = request.body;
      const outcome = await recordCheckin(db, batcher, {
        eventId: event_id,
        ticketId: ticket_id,
        location: location ?? null,
        by: request.user.username,
        requireRegisteredEvent: config.requireRegisteredEvents,
        idempotency: idempotencyOf(request.headers['idempotency-key'], 'checkins', config.idempotencyTtlSeconds),
      });
      return answerCheckin(reply, outcome, config.requireRegisteredEvents);
    },
  );

  app.get(
    '/checkins',
    {
      onRequest: authenticate,
      schema: {
        tags: ['check-ins'],
        summary: "The caller's own check-ins, oldest first",
        description:
          'Optionally at one event. One page (limit, default and at most 10000) with next_cursor, null on the last page.',
        security,
        querystring: MyCheckinsQuery,
        response: { 200: MyCheckins },
      },
    },
    async (request) => {
      const { event_id, ...paging } = request.query;
      const found = await checkinsBy(db, request.user.username, event_id ?? null, checkinPage(paging));
      return { user_id: request.user.username, ...found };
    },
  );
};

export default checkinRoutes;
