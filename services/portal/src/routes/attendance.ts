// GET /api/attendance/{event_id} (spec: portal): the event's check-ins with its name and stats.
import {
  type AttendanceList,
  ErrorBody,
  type EventFacts,
  type EventSummary,
  PageQuery,
  PortalAttendance,
  PortalEventIdParams,
  toPortalAttendance,
} from '@tixgo/contracts';
import { httpErrors } from '@tixgo/platform';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authenticateCaller, callerOf } from '../session/authenticate-caller.js';
import type { AttendanceClient } from '../upstream/attendance-client.js';
import { sendUpstream, upstreamJson } from '../upstream/pass-through.js';
import { queryString } from '../upstream/query-string.js';

const UNREGISTERED: EventFacts = { name: null, totalRegistered: null, checkinPercentage: null };

const attendanceRoutes: FastifyPluginAsyncZod<{ attendance: AttendanceClient }> = async (app, { attendance }) => {
  app.get(
    '/api/attendance/:event_id',
    {
      onRequest: authenticateCaller,
      schema: {
        tags: ['attendance'],
        summary: "An event's check-ins, oldest first, with its name and registration stats",
        security: [{ bearerAuth: [] }],
        params: PortalEventIdParams,
        querystring: PageQuery,
        response: { 200: PortalAttendance, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const eventId = request.params.event_id;
      // Both at once: the gate's dashboard polls this, and the two answers do not depend on each other.
      const [summary, list] = await Promise.all([
        attendance.summary(caller, eventId),
        attendance.attendance(caller, eventId, queryString(request.query)),
      ]);
      if (summary.status !== 200 && summary.status !== 404) return sendUpstream(reply, summary);
      if (list.status !== 200) return sendUpstream(reply, list);
      const records = upstreamJson<AttendanceList>(list);
      if (summary.status === 404) {
        // compat: attendance answers an unknown event with an empty list; the portal tells the person.
        if (records.total_checked_in === 0) throw httpErrors.notFound('Event not found');
        return toPortalAttendance(records, UNREGISTERED);
      }
      const { event, stats } = upstreamJson<EventSummary>(summary);
      return toPortalAttendance(records, {
        name: event.title,
        totalRegistered: stats.total_registered,
        checkinPercentage: stats.checkin_percentage,
      });
    },
  );
};

export default attendanceRoutes;
