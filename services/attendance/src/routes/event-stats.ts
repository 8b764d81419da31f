// GET /overview and GET /events/{id}/stats (new): the dashboard's numbers and the event page's, counted in SQL.
import { ErrorBody, EventStats, EventStatsQuery, IdParams, Overview } from '@tixgo/contracts';
import { authenticate, httpErrors } from '@tixgo/platform';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { EVENT_NOT_FOUND } from '../events/events-repository.js';
import { readOverview } from '../events/overview-repository.js';
import { registrationStats } from '../events/registration-stats.js';
import type { AttendanceRouteOptions } from './route-options.js';

/** Events whose lanes the dashboard shows at once, nearest first (a box runs a few events a day). */
const LANE_EVENTS_MAX = 10;
const HOUR = 3_600_000;

/** On now: from 12 hours before the start until the end (12 hours after a start without an end). */
function isOnNow(row: { start_time: string | null; end_time: string | null }, now: number): boolean {
  if (row.start_time === null) return false;
  const start = Date.parse(row.start_time);
  const end = row.end_time === null ? start + 12 * HOUR : Date.parse(row.end_time);
  return now >= start - 12 * HOUR && now <= end;
}

const eventStatsRoutes: FastifyPluginAsyncZod<AttendanceRouteOptions> = async (app, { db, stats }) => {
  const security = [{ bearerAuth: [] }];

  // Not under /events/{id}: an event may be called "overview".
  app.get(
    '/overview',
    {
      onRequest: authenticate,
      schema: {
        tags: ['events', 'attendance'],
        summary: 'Every event with its registration stats (the dashboard, in one request)',
        description:
          'In the order of GET /events. total_registered, total_checked_in and checkin_percentage follow the ' +
          'rules of GET /events/{id}/summary; counted in one statement from the per-event counters. lanes: ' +
          'for events on now (12 h before the start to the end), as in GET /events/{id}/stats; else null.',
        security,
        response: { 200: Overview },
      },
    },
    async () => {
      const rows = await readOverview(db);
      // The lanes of the events on now only (each costs a read of its counts since the last one).
      const now = stats.clock();
      const onNow = rows.filter((row) => isOnNow(row, now)).slice(0, LANE_EVENTS_MAX);
      const lanes = new Map(await Promise.all(onNow.map(async (row) => [row.id, await stats.lanes(row.id)] as const)));
      return {
        events: rows.map((row) => ({
          id: row.id,
          title: row.title,
          start_time: row.start_time,
          end_time: row.end_time,
          location: row.location,
          ...registrationStats(row, Number(row.checked_in)),
          lanes: lanes.get(row.id) ?? null,
        })),
      };
    },
  );

  app.get(
    '/events/:id/stats',
    {
      onRequest: authenticate,
      schema: {
        tags: ['events', 'attendance'],
        summary: "A registered event's stats: totals, check-ins over time, per gate, the newest check-ins",
        description:
          'timeline: check-ins per bucket of `bucket` minutes (5, 15 or 60; UTC starts as ISO strings) of the ' +
          "time the person was at the gate: the device's scan time (scanned_at) where it gave one, else the " +
          'time attendance received the scan; only the buckets that have check-ins, oldest first. gates: ' +
          'check-ins per location (null: none given), most first. latest: the newest `latest` check-ins to ' +
          'arrive (default none). conflicts: how many scans admitted offline did not count (GET ' +
          '/events/{id}/conflicts lists them). Counted in SQL, exact as of one ' +
          'snapshot: the counts of all but the newest few thousand check-ins are kept between reads, so a read ' +
          'costs the check-ins since the previous one, not the whole event.',
        security,
        params: IdParams,
        querystring: EventStatsQuery,
        response: { 200: EventStats, 404: ErrorBody },
      },
    },
    async (request) => {
      const bucketMinutes = Number(request.query.bucket ?? '5');
      const answer = await stats.read(request.params.id, bucketMinutes, request.query.latest ?? 0);
      if (!answer) throw httpErrors.notFound(EVENT_NOT_FOUND);
      return answer;
    },
  );
};

export default eventStatsRoutes;
