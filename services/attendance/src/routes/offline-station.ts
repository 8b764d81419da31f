// GET /events/{id}/tickets/offline and GET /events/{id}/conflicts (new, issue 8): what the offline gate station reads.
import {
  CheckinConflict,
  ConflictList,
  ConflictParams,
  ErrorBody,
  IdParams,
  OFFLINE_PAGE_LIMIT,
  OfflineTickets,
  OfflineTicketsQuery,
  PAGE_LIMITS,
  PageQuery,
} from '@tixgo/contracts';
import { authenticate, httpErrors, validationError } from '@tixgo/platform';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { markConflictHandled, NEWEST, readConflicts } from '../checkins/conflicts-repository.js';
import { recordDeviceDownload } from '../checkins/device-bound.js';
import { getEvent } from '../events/events-repository.js';
import { downloadForDevice } from '../tickets/offline-download.js';
import type { AttendanceRouteOptions } from './route-options.js';

/** The conflict list's cursor: the id of the last conflict shown. */
function beforeConflict(cursor: string | undefined): string {
  if (cursor === undefined) return NEWEST;
  if (!/^\d{1,18}$/.test(cursor)) {
    throw validationError([
      { loc: ['query', 'cursor'], msg: 'not a cursor returned by this API', type: 'value_error' },
    ]);
  }
  return cursor;
}

/**
 * A scan's idempotency key is its sender's (a replay handle of their device): other committee members
 * see the conflict without it, admins see it all (issue 15, item 15).
 */
function withKeyFor(caller: { username: string; role: string }, conflict: CheckinConflict): CheckinConflict {
  if (caller.role === 'admin' || caller.username === conflict.second.checked_in_by) return conflict;
  return { ...conflict, second: { ...conflict.second, idempotency_key: null } };
}

const offlineStationRoutes: FastifyPluginAsyncZod<AttendanceRouteOptions> = async (app, { db }) => {
  const security = [{ bearerAuth: [] }];
  // Committee members too, unlike GET /events/{id}/tickets: a gate device needs the codes (and names)
  // to answer offline; whoever may check tickets in can already learn any code's validity by scanning.
  const anyRole = { onRequest: authenticate };

  app.get(
    '/events/:id/tickets/offline',
    {
      ...anyRole,
      schema: {
        tags: ['tickets', 'offline'],
        summary: "An event's issued tickets and check-ins for a gate device: from scratch, then what changed",
        description:
          'For committee members and admins (a gate device needs the codes and holder names to answer ' +
          `offline). Pages of up to ${OFFLINE_PAGE_LIMIT} entries, tickets first: ask again with next_cursor ` +
          'until complete is true; keep that next_cursor and ask with it later for only the tickets issued ' +
          'and the check-ins made since. A check-in may come again in a later answer: merge by ticket_id. ' +
          '404: the event is not (or no longer) registered, drop the copy; 410: it was deleted and registered ' +
          'again, download it again without a cursor.',
        security,
        params: IdParams,
        querystring: OfflineTicketsQuery,
        response: { 200: OfflineTickets, 404: ErrorBody, 410: ErrorBody },
      },
    },
    async (request) => {
      const { cursor, limit, device_id: deviceId } = request.query;
      const page = await downloadForDevice(db, request.params.id, cursor, limit ?? OFFLINE_PAGE_LIMIT);
      // After the page was read (the event exists): the device has (part of) the list from now on.
      if (deviceId !== undefined) await recordDeviceDownload(db, { eventId: request.params.id, deviceId });
      return page;
    },
  );

  app.get(
    '/events/:id/conflicts',
    {
      ...anyRole,
      schema: {
        tags: ['events', 'offline'],
        summary: 'Scans admitted offline that did not count, newest first (for a supervisor)',
        description:
          'A scan sent with admitted_offline: true that found its ticket checked in by another scan ' +
          '(kind duplicate: first is the check-in that counts, second the late scan) or not issued for the ' +
          `event (kind not-issued). One page (limit default ${PAGE_LIMITS.default}) with next_cursor, null on ` +
          'the last page; total counts them all. second.idempotency_key is shown to admins and to the ' +
          'person who sent that scan only (null for everyone else).',
        security,
        params: IdParams,
        querystring: PageQuery,
        response: { 200: ConflictList, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      const limit = request.query.limit ?? PAGE_LIMITS.default;
      const { total, conflicts } = await readConflicts(db, event.id, beforeConflict(request.query.cursor), limit + 1);
      const hasMore = conflicts.length > limit;
      const shown = hasMore ? conflicts.slice(0, limit) : conflicts;
      return {
        event_id: event.id,
        total,
        conflicts: shown.map((conflict) => withKeyFor(request.user, conflict)),
        next_cursor: hasMore ? (shown.at(-1)?.conflict_id ?? null) : null,
      };
    },
  );

  app.post(
    '/events/:id/conflicts/:conflict_id/handled',
    {
      ...anyRole,
      schema: {
        tags: ['events', 'offline'],
        summary: 'Mark a conflict handled (the person was checked): it stays listed, with who and when',
        security,
        params: ConflictParams,
        response: { 200: CheckinConflict, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      const conflict = await markConflictHandled(db, event.id, request.params.conflict_id, request.user.username);
      if (!conflict) throw httpErrors.notFound('Conflict not found');
      return withKeyFor(request.user, conflict);
    },
  );
};

export default offlineStationRoutes;
