// GET /attendance/{event_id} (spec: attendance, compat): the whole list, or one page with limit/cursor.
import { AttendanceList, EventIdParams, PageQuery } from '@tixgo/contracts';
import { authenticate } from '@tixgo/platform';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { attendancePage } from '../checkins/attendance-pages.js';
import { checkinPage } from './cursors.js';
import type { AttendanceRouteOptions } from './route-options.js';

/**
 * Answers an attendance request: without limit/cursor the full list (compat) from the list
 * cache, already serialized; with them one page from SQL.
 */
export async function sendAttendance(
  reply: FastifyReply,
  { db, lists }: Pick<AttendanceRouteOptions, 'db' | 'lists'>,
  eventId: string,
  query: PageQuery,
): Promise<FastifyReply> {
  const page = checkinPage(query);
  if (page) return reply.send(await attendancePage(db, eventId, page));
  const body = await lists.fullList(eventId);
  return reply.type('application/json; charset=utf-8').send(body);
}

export const ATTENDANCE_DESCRIPTION =
  'Oldest first. Without limit and cursor: every check-in (compat). With them: one page ' +
  `(limit default 100, at most 10000) and next_cursor, null on the last page; total_checked_in ` +
  'always counts the whole event.';

const attendanceRoutes: FastifyPluginAsyncZod<AttendanceRouteOptions> = async (app, options) => {
  app.get(
    '/attendance/:event_id',
    {
      onRequest: authenticate,
      schema: {
        tags: ['attendance'],
        summary: "An event's check-ins (an unknown event has none)",
        description: ATTENDANCE_DESCRIPTION,
        security: [{ bearerAuth: [] }],
        params: EventIdParams,
        querystring: PageQuery,
        response: { 200: AttendanceList },
      },
    },
    async (request, reply) => sendAttendance(reply, options, request.params.event_id, request.query),
  );
};

export default attendanceRoutes;
