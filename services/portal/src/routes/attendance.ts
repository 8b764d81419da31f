// GET /api/attendance/{event_id} (spec: portal): the event's check-ins with its name and stats; the full list streamed.
import { Readable } from 'node:stream';
import {
  type AttendanceList,
  type AttendanceListHead,
  ErrorBody,
  type EventFacts,
  type EventSummary,
  PageQuery,
  PortalAttendance,
  PortalEventIdParams,
  toPortalAttendance,
} from '@tixgo/contracts';
import { httpErrors } from '@tixgo/platform';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authenticateCaller, callerOf } from '../session/authenticate-caller.js';
import type { AttendanceClient } from '../upstream/attendance-client.js';
import type { Caller } from '../upstream/caller.js';
import { ndjsonRecords } from '../upstream/ndjson-records.js';
import { sendUpstream, sendUpstreamStream, upstreamJson } from '../upstream/pass-through.js';
import { queryString } from '../upstream/query-string.js';
import type { UpstreamResponse } from '../upstream/upstream-client.js';

const UNREGISTERED: EventFacts = { name: null, totalRegistered: null, checkinPercentage: null };

/** What the summary says of the event (the list itself comes from elsewhere). */
function factsOf(summary: UpstreamResponse): EventFacts {
  if (summary.status === 404) return UNREGISTERED;
  const { event, stats } = upstreamJson<EventSummary>(summary);
  return { name: event.title, totalRegistered: stats.total_registered, checkinPercentage: stats.checkin_percentage };
}

/** The portal's body: its head, the records as attendance streamed them (already in the portal's shape), the end. */
async function* portalBody(head: string, records: AsyncGenerator<Buffer>): AsyncGenerator<Buffer | string> {
  yield head;
  yield* records;
  yield ']}';
}

/**
 * The full list (issue 10, item 6): attendance streams its NDJSON form in the portal's view (records
 * already in the portal's shape) and the portal passes those bytes through, so neither service holds
 * the list and the portal parses none of it (before: 40 readers of a 20,000-check-in list took the
 * portal from 211 to 494 MB). The bytes are exactly those of JSON.stringify(toPortalAttendance(list,
 * facts)), as before.
 */
async function sendFullAttendance(
  reply: FastifyReply,
  attendance: AttendanceClient,
  caller: Caller,
  eventId: string,
): Promise<FastifyReply> {
  // Both at once: the answers do not depend on each other. Settled, so that a failed summary still
  // lets the list's connection go.
  const [summaryCall, listCall] = await Promise.allSettled([
    attendance.summary(caller, eventId),
    attendance.attendanceLines(caller, eventId),
  ]);
  const list = listCall.status === 'fulfilled' ? listCall.value : undefined;
  let streaming = false;
  try {
    if (summaryCall.status === 'rejected') throw summaryCall.reason;
    if (listCall.status === 'rejected' || !list) throw listCall.status === 'rejected' ? listCall.reason : undefined;
    const summary = summaryCall.value;
    if (summary.status !== 200 && summary.status !== 404) return sendUpstream(reply, summary);
    if (list.status !== 200) {
      streaming = true;
      return sendUpstreamStream(reply, list);
    }
    const { head: parsedHead, records } = await ndjsonRecords(list.body);
    const head = parsedHead as AttendanceListHead;
    // compat: attendance answers an unknown event with an empty list; the portal tells the person.
    if (summary.status === 404 && head.total_checked_in === 0) throw httpErrors.notFound('Event not found');
    const empty: AttendanceList = { event_id: head.event_id, total_checked_in: head.total_checked_in, records: [] };
    // `…"checkins":[]}` without its last two characters: the records follow.
    const prefix = JSON.stringify(toPortalAttendance(empty, factsOf(summary))).slice(0, -2);
    streaming = true;
    return reply
      .type('application/json; charset=utf-8')
      .send(Readable.from(portalBody(prefix, records), { objectMode: false }));
  } finally {
    if (!streaming) list?.body.destroy();
  }
}

const attendanceRoutes: FastifyPluginAsyncZod<{ attendance: AttendanceClient }> = async (app, { attendance }) => {
  app.get(
    '/api/attendance/:event_id',
    {
      onRequest: authenticateCaller,
      schema: {
        tags: ['attendance'],
        summary: "An event's check-ins, oldest first, with its name and registration stats",
        description: 'Without limit and cursor: every check-in, streamed. With them: one page and next_cursor.',
        security: [{ bearerAuth: [] }],
        params: PortalEventIdParams,
        querystring: PageQuery,
        response: { 200: PortalAttendance, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const eventId = request.params.event_id;
      if (request.query.limit === undefined && request.query.cursor === undefined) {
        return sendFullAttendance(reply, attendance, caller, eventId);
      }
      // One page: small, read whole.
      const [summary, list] = await Promise.all([
        attendance.summary(caller, eventId),
        attendance.attendance(caller, eventId, queryString(request.query)),
      ]);
      if (summary.status !== 200 && summary.status !== 404) return sendUpstream(reply, summary);
      if (list.status !== 200) return sendUpstream(reply, list);
      const records = upstreamJson<AttendanceList>(list);
      if (summary.status === 404 && records.total_checked_in === 0) throw httpErrors.notFound('Event not found');
      return toPortalAttendance(records, factsOf(summary));
    },
  );
};

export default attendanceRoutes;
