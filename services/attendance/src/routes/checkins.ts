// POST /checkins and GET /checkins (spec: attendance, check-ins), and the one mapping of a check-in outcome to HTTP.
import {
  CheckinBody,
  CheckinCreated,
  CheckinNotFound,
  type CheckinRecord,
  DuplicateCheckin,
  ErrorBody,
  type EventCheckinBody,
  IdempotencyHeaders,
  MyCheckins,
  MyCheckinsQuery,
  type OtherEvent,
} from '@tixgo/contracts';
import { MAIN_LIST_ID, refusalDetail } from '@tixgo/contracts/gate-rules';
import { type AuthUser, authenticate, validationError } from '@tixgo/platform';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkinsBy } from '../checkins/attendance-pages.js';
import { checkScanTime, type RecordedOutcome, recordCheckin, type ScanRequest } from '../checkins/record-checkin.js';
import { normaliseScanTime, scanTimeIssue } from '../checkins/scan-time.js';
import { judgeTicket } from '../checkins/ticket-policy.js';
import type { AttendanceConfig } from '../config.js';
import { EVENT_NOT_FOUND } from '../events/events-repository.js';
import { checkinPage } from './cursors.js';
import type { AttendanceRouteOptions } from './route-options.js';

export const ALREADY_CHECKED_IN = 'Ticket already checked in';

/** Responses of every check-in endpoint, for /openapi.json. */
export const CHECKIN_RESPONSES = {
  201: CheckinCreated,
  404: CheckinNotFound.describe(
    '"Event not found", or "Ticket not found for this event" (with other_event when another registered event issued the code)',
  ),
  409: DuplicateCheckin,
  422: ErrorBody.describe('invalid body, or an Idempotency-Key reused with a different body'),
  429: ErrorBody.describe('too many check-ins by this user or from this address; see Retry-After'),
};

export const CHECKIN_RATE_DESCRIPTION =
  'Rate-limited per user (CHECKIN_RATE_PER_USER / CHECKIN_BURST_PER_USER) and per client address ' +
  '(CHECKIN_RATE_PER_CLIENT / CHECKIN_BURST_PER_CLIENT): 429 with Retry-After.';

/** The status and body of a check-in answer, as POST /checkins sends it (also one item of a batch). */
export interface CheckinAnswer {
  status: 201 | 404 | 409 | 422;
  body:
    | { status: 'checked_in' | 'checked_out'; record: CheckinRecord }
    | {
        detail: string;
        record?: CheckinRecord;
        conflict?: true;
        other_event?: OtherEvent;
        refusal?: string;
        cancel_reason?: string | null;
        ticket_type?: string;
      };
}

/**
 * The answer for a check-in outcome: 201, 409 with the earlier record, 404, or 422. A scan admitted
 * offline whose refusal was recorded as a conflict says so (`"conflict": true`), and a code another
 * event issued names that event (`other_event`); compat: other answers are as they always were.
 */
export function checkinAnswer(outcome: RecordedOutcome, requireRegisteredEvent: boolean): CheckinAnswer {
  if (outcome.kind === 'answered') return outcome.answer;
  const answer = plainAnswer(outcome, requireRegisteredEvent);
  if ('detail' in answer.body) {
    if (outcome.otherEvent) answer.body.other_event = outcome.otherEvent;
    if (outcome.isConflict) answer.body.conflict = true;
  }
  return answer;
}

function plainAnswer(
  outcome: Exclude<RecordedOutcome, { kind: 'answered' }>,
  requireRegisteredEvent: boolean,
): CheckinAnswer {
  switch (outcome.kind) {
    case 'created':
      return { status: 201, body: { status: 'checked_in', record: outcome.record } };
    case 'duplicate':
      return { status: 409, body: { detail: ALREADY_CHECKED_IN, record: outcome.record } };
    case 'key-reused':
      return { status: 422, body: { detail: 'Idempotency-Key was already used for a different request' } };
    case 'refused': {
      const verdict = judgeTicket(outcome.facts, requireRegisteredEvent);
      if (verdict === 'event-not-found') return { status: 404, body: { detail: EVENT_NOT_FOUND } };
      if (verdict === 'ticket-not-found') return { status: 404, body: { detail: 'Ticket not found for this event' } };
      if (verdict === 'cancelled') {
        const cancelled = {
          detail: refusalDetail('cancelled'),
          refusal: 'cancelled',
          cancel_reason: outcome.cancelReason ?? null,
        };
        return { status: 409, body: cancelled };
      }
      // The statement refused what the policy accepts: the SQL gate and judgeTicket disagree.
      throw new Error(`check-in refused although the ticket rule accepts it: ${JSON.stringify(outcome.facts)}`);
    }
  }
}

/** Sends the answer for a check-in outcome. */
export function answerCheckin(
  reply: FastifyReply,
  outcome: RecordedOutcome,
  requireRegisteredEvent: boolean,
): FastifyReply {
  const { status, body } = checkinAnswer(outcome, requireRegisteredEvent);
  return reply.code(status).send(body);
}

/** What a check-in request says, whichever endpoint it came through. */
export interface CheckinFields {
  eventId: string;
  ticketId: string;
  location: string | null | undefined;
  /** The device's scan time, as sent. */
  scannedAt: string | null | undefined;
  admittedOffline: boolean | undefined;
  /** The Idempotency-Key, when the request carries one. */
  key: string | undefined;
  listId: string | undefined;
  direction: 'entry' | 'exit' | undefined;
  override: boolean | undefined;
  deviceId: string | null | undefined;
}

/** What a check-in body says (POST /events/{id}/checkins: the event from its path). */
export function fieldsOf(body: EventCheckinBody, eventId: string, key: string | undefined): CheckinFields {
  return {
    eventId,
    ticketId: body.ticket_id,
    location: body.location,
    scannedAt: body.scanned_at,
    admittedOffline: body.admitted_offline,
    key,
    listId: body.list_id,
    direction: body.direction,
    override: body.override,
    deviceId: body.device_id,
  };
}

/**
 * The scan of POST /checkins or, with `registeredEventOnly`, of POST /events/{id}/checkins: the
 * one place that says which ticket rule and which key scope each endpoint has. A batch item is
 * one of the two, so the same key replays the same answer through either way in. A scan time out of
 * bounds is a 422 (thrown: see scanTimeIssue).
 */
export function scanOf(
  config: AttendanceConfig,
  caller: Pick<AuthUser, 'username' | 'uid' | 'role'>,
  fields: CheckinFields,
  registeredEventOnly: boolean,
): ScanRequest {
  const scannedAt = fields.scannedAt ?? null;
  const issue =
    scannedAt === null ? undefined : scanTimeIssue(scannedAt, { maxAgeHours: config.offlineScanMaxAgeHours });
  if (issue) throw validationError([issue]);
  return {
    eventId: fields.eventId,
    ticketId: fields.ticketId,
    location: fields.location ?? null,
    scannedAt: scannedAt === null ? null : normaliseScanTime(scannedAt),
    admittedOffline: fields.admittedOffline === true,
    by: caller.username,
    byUid: caller.uid,
    requireRegisteredEvent: registeredEventOnly || config.requireRegisteredEvents,
    listId: fields.listId ?? MAIN_LIST_ID,
    direction: fields.direction ?? 'entry',
    override: fields.override === true,
    deviceId: fields.deviceId ?? null,
    role: caller.role,
    idempotency:
      fields.key === undefined
        ? undefined
        : {
            key: fields.key,
            // Which endpoint the key belongs to: the same key on the other endpoint is another request.
            route: registeredEventOnly ? 'event-checkins' : 'checkins',
            ttlSeconds: config.idempotencyTtlSeconds,
          },
  };
}

const checkinRoutes: FastifyPluginAsyncZod<AttendanceRouteOptions> = async (app, options) => {
  const { db, config, limits } = options;
  const security = [{ bearerAuth: [] }];

  app.post(
    '/checkins',
    {
      onRequest: [limits.limitClient, authenticate],
      preValidation: limits.limitUser,
      schema: {
        tags: ['check-ins'],
        summary: 'Check a ticket in (exactly once per event)',
        description:
          'checked_in_by is the caller. An Idempotency-Key header makes a repeat of the same request ' +
          'replay the first answer; the same key with a different body is a 422. ' +
          CHECKIN_RATE_DESCRIPTION,
        security,
        headers: IdempotencyHeaders,
        body: CheckinBody,
        response: CHECKIN_RESPONSES,
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const scan = scanOf(config, request.user, fieldsOf(request.body, request.body.event_id, key), false);
      const checked = await checkScanTime(options.db, scan);
      if (checked.issue) throw validationError([checked.issue]);
      return answerCheckin(reply, await recordCheckin(options, checked.scan), scan.requireRegisteredEvent);
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
      // By account, not by name: a username registered again after a deletion is another account.
      const found = await checkinsBy(db, request.user.uid, event_id ?? null, checkinPage(paging));
      return { user_id: request.user.username, ...found };
    },
  );
};

export default checkinRoutes;
