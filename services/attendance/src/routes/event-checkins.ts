// GET /events/{id}/checkins (new): the event page's check-in list, newest first, searchable, keyset-paged.
import { ErrorBody, EVENT_CHECKIN_LIMITS, EventCheckinList, EventCheckinsQuery, IdParams } from '@tixgo/contracts';
import { authenticate } from '@tixgo/platform';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { readEventCheckins } from '../checkins/checkin-stats-repository.js';
import { recordOf } from '../checkins/checkins-repository.js';
import { getEvent } from '../events/events-repository.js';
import { beforePosition } from './cursors.js';
import type { AttendanceRouteOptions } from './route-options.js';

const eventCheckinRoutes: FastifyPluginAsyncZod<AttendanceRouteOptions> = async (app, { db }) => {
  app.get(
    '/events/:id/checkins',
    {
      onRequest: authenticate,
      schema: {
        tags: ['events', 'check-ins'],
        summary: "A registered event's check-ins with their holders, newest first, one page at a time",
        description:
          'Newest first by arrival (the order attendance received the check-ins), because a person watching an ' +
          'event looks for the scan that just happened: it is on the first page, and paging goes back in ' +
          'time (a check-in arriving meanwhile never shifts a later page). A scan uploaded late from an ' +
          "offline gate's queue is listed when it arrived, with checked_in_at (receipt) and scanned_at (the " +
          'device scan time; only on check-ins that gave one). ' +
          `q: part of a ticket code or holder name, case-insensitive (at least 3 characters). gate: ` +
          `exactly this location. limit default ${EVENT_CHECKIN_LIMITS.default}, at most ` +
          `${EVENT_CHECKIN_LIMITS.max}; next_cursor is null on the last page.`,
        security: [{ bearerAuth: [] }],
        params: IdParams,
        querystring: EventCheckinsQuery,
        response: { 200: EventCheckinList, 404: ErrorBody },
      },
    },
    async (request) => {
      const { q, gate, cursor } = request.query;
      const limit = request.query.limit ?? EVENT_CHECKIN_LIMITS.default;
      const beforeSeq = beforePosition(cursor);
      const event = await getEvent(db, request.params.id);
      // One row more than the page: it only tells whether an older page follows.
      const rows = await readEventCheckins(db, event.id, { search: q, gate, beforeSeq, limit: limit + 1 });
      const more = rows.length > limit;
      const shown = more ? rows.slice(0, limit) : rows;
      return {
        event_id: event.id,
        // A record carries scanned_at only when the device gave one, as everywhere else.
        records: shown.map(({ seq: _seq, holder_name, ...stored }) => ({ ...recordOf(stored), holder_name })),
        next_cursor: more ? (shown.at(-1)?.seq ?? null) : null,
      };
    },
  );
};

export default eventCheckinRoutes;
