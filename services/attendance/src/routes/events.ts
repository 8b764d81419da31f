// /events CRUD and /events/{id}/checkins|attendance|summary (spec: attendance, events and tickets).
import { randomUUID } from 'node:crypto';
import {
  ATTENDANCE_CSV_COLUMNS,
  CreateEventBody,
  DeleteEventQuery,
  ErrorBody,
  Event,
  EventCheckinBody,
  EventDeleted,
  EventList,
  EventSummary,
  ExportQuery,
  IdempotencyHeaders,
  IdParams,
  PageQuery,
  SUMMARY_PAGE_DEFAULT,
  SummaryQuery,
  UpdateEventBody,
} from '@tixgo/contracts';
import { authenticate, requireAdmin, validationError } from '@tixgo/platform';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { attendancePage } from '../checkins/attendance-pages.js';
import { csvExport } from '../checkins/attendance-streams.js';
import { checkScanTime, recordCheckin } from '../checkins/record-checkin.js';
import { createEvent, deleteEvent, getEvent, listEvents, toEvent, updateEvent } from '../events/events-repository.js';
import { registrationStats } from '../events/registration-stats.js';
import { exportFileName, exportStream } from '../exports/event-export.js';
import { ATTENDANCE_DESCRIPTION, sendAttendance, sendStream } from './attendance.js';
import { answerCheckin, CHECKIN_RATE_DESCRIPTION, CHECKIN_RESPONSES, fieldsOf, scanOf } from './checkins.js';
import type { AttendanceRouteOptions } from './route-options.js';

/**
 * The export's file name: the event id with anything but letters, digits, dot, dash and underscore
 * turned into `_` (no quote, slash or control character reaches the header or a file system).
 */
export function csvFileName(eventId: string): string {
  return `attendance-${eventId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80)}.csv`;
}

const eventRoutes: FastifyPluginAsyncZod<AttendanceRouteOptions> = async (app, options) => {
  const { db, config, lists, streams, limits } = options;
  const security = [{ bearerAuth: [] }];
  const anyRole = { onRequest: authenticate };
  const adminOnly = { onRequest: [authenticate, requireAdmin] };
  const notFound = { 404: ErrorBody };

  app.get(
    '/events',
    { ...anyRole, schema: { tags: ['events'], summary: 'All events', security, response: { 200: EventList } } },
    async () => (await listEvents(db)).map(toEvent),
  );

  app.get(
    '/events/:id',
    {
      ...anyRole,
      schema: {
        tags: ['events'],
        summary: 'One event',
        security,
        params: IdParams,
        response: { 200: Event, ...notFound },
      },
    },
    async (request) => toEvent(await getEvent(db, request.params.id)),
  );

  app.post(
    '/events',
    {
      ...adminOnly,
      schema: {
        tags: ['events'],
        summary: 'Create an event (id generated when not given)',
        security,
        body: CreateEventBody,
        response: { 201: Event, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const id = request.body.id ?? randomUUID();
      const event = await createEvent(db, { ...request.body, id }, request.user.username);
      return reply.code(201).send(toEvent(event));
    },
  );

  app.put(
    '/events/:id',
    {
      ...adminOnly,
      schema: {
        tags: ['events'],
        summary: 'Change some fields of an event (null clears an optional field)',
        security,
        params: IdParams,
        body: UpdateEventBody,
        response: { 200: Event, ...notFound },
      },
    },
    async (request) => toEvent(await updateEvent(db, request.params.id, request.body)),
  );

  app.delete(
    '/events/:id',
    {
      ...adminOnly,
      schema: {
        tags: ['events'],
        summary: 'Delete an event and its tickets',
        description: 'An event with check-ins is kept (409) unless force=true, which deletes its check-ins too.',
        security,
        params: IdParams,
        querystring: DeleteEventQuery,
        response: { 200: EventDeleted, 409: ErrorBody, ...notFound },
      },
    },
    async (request) => {
      const { id } = request.params;
      const force = request.query.force === 'true' || request.query.force === '1';
      await deleteEvent(db, id, force);
      lists.invalidate(id);
      return { status: 'deleted' as const, event_id: id };
    },
  );

  app.post(
    '/events/:id/checkins',
    {
      onRequest: [limits.limitClient, authenticate],
      preValidation: limits.limitUser,
      schema: {
        tags: ['events', 'check-ins'],
        summary: 'Check a ticket in at a registered event',
        description: `As POST /checkins, with the event from the path; an unregistered event is a 404. ${CHECKIN_RATE_DESCRIPTION}`,
        security,
        params: IdParams,
        headers: IdempotencyHeaders,
        body: EventCheckinBody,
        response: CHECKIN_RESPONSES,
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const scan = scanOf(config, request.user, fieldsOf(request.body, request.params.id, key), true);
      const checked = await checkScanTime(options.db, scan);
      if (checked.issue) throw validationError([checked.issue]);
      return answerCheckin(reply, await recordCheckin(options, checked.scan), scan.requireRegisteredEvent);
    },
  );

  app.get(
    '/events/:id/attendance',
    {
      ...anyRole,
      schema: {
        tags: ['events', 'attendance'],
        summary: "A registered event's check-ins",
        description: ATTENDANCE_DESCRIPTION,
        security,
        params: IdParams,
        querystring: PageQuery,
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await getEvent(db, request.params.id);
      return sendAttendance(request, reply, options, request.params.id, request.query);
    },
  );

  app.get(
    '/events/:id/attendance.csv',
    {
      ...anyRole,
      schema: {
        tags: ['events', 'attendance'],
        summary: "A registered event's check-ins as a CSV file (streamed)",
        description:
          `UTF-8 with a byte-order mark and a header row: ${ATTENDANCE_CSV_COLUMNS.join(',')}; oldest first, ` +
          "as an attachment. Cells that begin with = + - @ (or a tab or CR) start with a ' so that no " +
          'spreadsheet runs them as formulas.',
        security,
        params: IdParams,
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const event = await getEvent(db, request.params.id);
      const file = await streams.open(event.id, 'export', csvExport, request.user.uid);
      reply.header('content-disposition', `attachment; filename="${csvFileName(event.id)}"`);
      return sendStream(request, reply, 'text/csv; charset=utf-8', file);
    },
  );

  app.get(
    '/events/:id/export',
    {
      ...anyRole,
      schema: {
        tags: ['events', 'attendance'],
        summary: "An event's export to open in a spreadsheet: who arrived, or who has not yet (CSV or .xlsx)",
        description:
          "Times in the event's time zone (time_zone, else the server's EVENT_TIME_ZONE), named in the headers; " +
          'headers and words in `lang`; the file named after the event, its date and the list. arrived: every ' +
          'check-in, oldest first, a conflict (a second offline admission) noted on its row. absent: the tickets ' +
          "not checked in, as issued (with holders' e-mails for admins only). history (issue 16): every scan " +
          'attempt in the order attendance received it — admitted, refused and why, exits, undone, overridden, ' +
          "cancellations — with the server's and the device's time, list, gate, device and who. CSV: UTF-8 with a byte-order mark, " +
          'formulas escaped. Streamed page by page. The plain GET /events/{id}/attendance.csv stays as it is.',
        security,
        params: IdParams,
        querystring: ExportQuery,
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const event = await getEvent(db, request.params.id);
      const format = request.query.format ?? 'csv';
      const list = request.query.list ?? 'arrived';
      const language = request.query.lang ?? 'id';
      const timeZone = event.time_zone ?? config.eventTimeZone;
      const name = exportFileName(event, timeZone, list, language, format, new Date());
      const stream = exportStream(db, {
        event,
        list,
        language,
        format,
        timeZone,
        withEmail: request.user.role === 'admin',
      });
      reply
        .header('content-disposition', `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(name)}`)
        .header('cache-control', 'no-store');
      // A reader that stops reading is cut off, as for the other long answers.
      return sendStream(
        request,
        reply,
        format === 'xlsx'
          ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
          : 'text/csv; charset=utf-8',
        stream,
      );
    },
  );

  app.get(
    '/events/:id/summary',
    {
      ...anyRole,
      schema: {
        tags: ['events', 'attendance'],
        summary: 'An event, its first check-ins and its registration stats',
        description:
          `attendance holds the first page only (limit, default ${SUMMARY_PAGE_DEFAULT}) with next_cursor for ` +
          'GET /events/{id}/attendance?cursor=…; total_checked_in counts every check-in. total_registered is ' +
          'the number of issued tickets, or the capacity when none were issued, else 0.',
        security,
        params: IdParams,
        querystring: SummaryQuery,
        response: { 200: EventSummary, ...notFound },
      },
    },
    async (request) => {
      // Both reads at once: the summary is what dashboards poll.
      const [event, attendance] = await Promise.all([
        getEvent(db, request.params.id),
        attendancePage(db, request.params.id, { limit: request.query.limit ?? SUMMARY_PAGE_DEFAULT, afterSeq: '0' }),
      ]);
      return {
        event: toEvent(event),
        attendance,
        stats: registrationStats(event, attendance.total_checked_in),
      };
    },
  );
};

export default eventRoutes;
