// GET /attendance/{event_id} (spec: attendance, compat): the whole list (JSON or NDJSON), or one page with limit/cursor.
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { AttendanceList, AttendanceQuery, EventIdParams, NDJSON_TYPE, type PageQuery } from '@tixgo/contracts';
import { authenticate } from '@tixgo/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { attendancePage } from '../checkins/attendance-pages.js';
import { jsonList, ndjsonList } from '../checkins/attendance-streams.js';
import { checkinPage } from './cursors.js';
import type { AttendanceRouteOptions } from './route-options.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** A reader that stops reading for this long is cut off: its list holds a database connection. */
const STALLED_READER_MS = 30_000;

/**
 * Sends a streamed list. The socket's idle timeout ends a reader that stopped reading (Node's
 * request timeout is over once the request arrived); it is lifted again when the list is done.
 */
export function sendStream(request: FastifyRequest, reply: FastifyReply, type: string, body: Readable): FastifyReply {
  const socket = request.raw.socket as Partial<Socket> | undefined;
  // (inject()'s stand-in socket has no timers.)
  if (typeof socket?.setTimeout === 'function') {
    socket.setTimeout(STALLED_READER_MS, () => socket.destroy?.());
    body.once('close', () => socket.setTimeout?.(0));
  }
  return reply.type(type).send(body);
}

/**
 * Answers an attendance request: with limit/cursor one page from SQL; without them the full list
 * (compat), or its NDJSON form when the client accepts that: from the list cache when the event is
 * small enough, else streamed from a cursor.
 */
export async function sendAttendance(
  request: FastifyRequest,
  reply: FastifyReply,
  { db, lists, streams }: Pick<AttendanceRouteOptions, 'db' | 'lists' | 'streams'>,
  eventId: string,
  query: PageQuery & { view?: 'portal' | undefined },
): Promise<FastifyReply> {
  const page = checkinPage(query);
  if (page) return reply.send(await attendancePage(db, eventId, page));
  if (request.headers.accept?.includes(NDJSON_TYPE)) {
    // The portal's view is the NDJSON form a gateway reads for every browser: kept in the cache.
    const cachedLines = query.view === 'portal' ? await lists.portalLines(eventId) : undefined;
    if (cachedLines) return reply.type(NDJSON_TYPE).send(Readable.from(cachedLines));
    const lines = ndjsonList(eventId, query.view);
    return sendStream(request, reply, NDJSON_TYPE, await streams.open(eventId, 'records', lines, request.user.uid));
  }
  const cached = await lists.fullList(eventId);
  if (cached) return reply.type(JSON_TYPE).send(cached);
  return sendStream(
    request,
    reply,
    JSON_TYPE,
    await streams.open(eventId, 'records', jsonList(eventId), request.user.uid),
  );
}

export const ATTENDANCE_DESCRIPTION =
  'Oldest first. Without limit and cursor: every check-in (compat), streamed; with ' +
  `Accept: ${NDJSON_TYPE} the same list as NDJSON: a first line {"event_id","total_checked_in"}, then ` +
  "one record per line (view=portal: each in the portal's shape). With limit and cursor: one page " +
  '(limit default 100, at most 10000) and ' +
  'next_cursor, null on the last page. total_checked_in always counts the whole event, in the same ' +
  'snapshot as the records.';

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
        querystring: AttendanceQuery,
        response: { 200: AttendanceList },
      },
    },
    async (request, reply) => sendAttendance(request, reply, options, request.params.event_id, request.query),
  );
};

export default attendanceRoutes;
