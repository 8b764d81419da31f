// /api/events…: attendance's event and ticket endpoints through the portal, validated here, answered as attendance answers.
import { Readable } from 'node:stream';
import {
  AttendanceList,
  CheckinCreated,
  CreateEventBody,
  DeleteEventQuery,
  DuplicateCheckin,
  ErrorBody,
  Event,
  EventCheckinBody,
  EventDeleted,
  EventList,
  EventSummary,
  ExportQuery,
  IdempotencyHeaders,
  IdParams,
  IssueTicketsBody,
  Mailing,
  MailingList,
  MailingParams,
  MailingRequest,
  PageQuery,
  SummaryQuery,
  TicketList,
  TicketListQuery,
  TicketParams,
  TicketState,
  TicketsIssued,
  TicketTypeNote,
  TicketTypeNoteBody,
  TicketTypeNotes,
  UpdateEventBody,
  UpdateTicketBody,
} from '@tixgo/contracts';
import { acceptCsvUploads, jsonBodyOrCsv, validationError } from '@tixgo/platform';
import type { onRequestHookHandler } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DEFAULT_BODY_LIMIT_BYTES, isAdmin, SPEC_BODY_LIMIT_BYTES } from '../body-allowance.js';
import { isCsvType, mediaType } from '../media-type.js';
import { authenticateCaller, callerOf } from '../session/authenticate-caller.js';
import type { AttendanceClient } from '../upstream/attendance-client.js';
import { checkinKey } from '../upstream/delivered-keys.js';
import { relayTo, sendItemAnswer, sendUpstreamStream } from '../upstream/pass-through.js';
import { queryString } from '../upstream/query-string.js';
import { jsonBody } from '../upstream/upstream-client.js';

export interface EventsRoutesOptions {
  attendance: AttendanceClient;
  /** onRequest: check-ins per client address (see checkin-client-limit.ts). */
  limitCheckins: onRequestHookHandler;
  /** Largest ticket import (TICKET_IMPORT_MAX_MB, as attendance): an admin's CSV only (see body-allowance.ts). */
  ticketImportMaxBytes: number;
  /**
   * Deadline of a CSV import call: the upload streams through as fast as the client sends it (up
   * to the request timeout), then attendance has the usual upstream deadline to answer.
   */
  ticketUploadTimeoutMs: number;
}

const eventsRoutes: FastifyPluginAsyncZod<EventsRoutesOptions> = async (
  app,
  { attendance, limitCheckins, ticketImportMaxBytes, ticketUploadTimeoutMs },
) => {
  const security = [{ bearerAuth: [] }];
  const tags = ['events'];
  const path = (id: string, rest = '') => `/events/${encodeURIComponent(id)}${rest}`;
  const relay = relayTo(attendance);

  // A CSV upload is forwarded as its raw bytes, streamed; attendance parses it (one parser, one set of errors).
  acceptCsvUploads(app, ticketImportMaxBytes);

  app.get(
    '/api/events',
    { onRequest: authenticateCaller, schema: { tags, summary: 'All events', security, response: { 200: EventList } } },
    async (request, reply) => relay(request, reply, 'GET', '/events'),
  );

  app.post(
    '/api/events',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: 'Create an event (admin)',
        security,
        body: CreateEventBody,
        response: { 201: Event, 409: ErrorBody },
      },
    },
    async (request, reply) => relay(request, reply, 'POST', '/events', jsonBody(request.body)),
  );

  app.get(
    '/api/events/:id',
    {
      onRequest: authenticateCaller,
      schema: { tags, summary: 'One event', security, params: IdParams, response: { 200: Event, 404: ErrorBody } },
    },
    async (request, reply) => relay(request, reply, 'GET', path(request.params.id)),
  );

  app.put(
    '/api/events/:id',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: 'Update an event partially (admin)',
        security,
        params: IdParams,
        body: UpdateEventBody,
        response: { 200: Event, 404: ErrorBody },
      },
    },
    async (request, reply) => relay(request, reply, 'PUT', path(request.params.id), jsonBody(request.body)),
  );

  app.delete(
    '/api/events/:id',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: 'Delete an event (admin); one with check-ins needs ?force=true',
        security,
        params: IdParams,
        querystring: DeleteEventQuery,
        response: { 200: EventDeleted, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => relay(request, reply, 'DELETE', path(request.params.id, queryString(request.query))),
  );

  app.post(
    '/api/events/:id/checkins',
    {
      onRequest: [limitCheckins, authenticateCaller],
      schema: {
        tags,
        summary: 'Check a ticket in at a registered event',
        description: 'Rate-limited per client address here and per user at attendance: 429 with Retry-After.',
        security,
        params: IdParams,
        headers: IdempotencyHeaders,
        body: EventCheckinBody,
        response: { 201: CheckinCreated, 404: ErrorBody, 409: DuplicateCheckin, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const checkin = { ...request.body, event_id: request.params.id };
      const key = checkinKey(request, reply, attendance);
      // Attendance's own answer, whatever the status: this route has no portal shape.
      return sendItemAnswer(
        reply,
        await attendance.checkIn(callerOf(request), checkin, { registeredEventOnly: true, key }),
      );
    },
  );

  app.get(
    '/api/events/:id/attendance',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: "An event's check-ins, oldest first (the full list streamed through)",
        security,
        params: IdParams,
        querystring: PageQuery,
        response: { 200: AttendanceList },
      },
    },
    // Streamed through as attendance writes it: the full list is never held here.
    async (request, reply) =>
      sendUpstreamStream(
        reply,
        await attendance.stream(callerOf(request), path(request.params.id, `/attendance${queryString(request.query)}`)),
      ),
  );

  app.get(
    '/api/events/:id/attendance.csv',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: "An event's check-ins as a CSV file (attendance's export, streamed through)",
        security,
        params: IdParams,
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) =>
      sendUpstreamStream(reply, await attendance.stream(callerOf(request), path(request.params.id, '/attendance.csv'))),
  );

  app.get(
    '/api/events/:id/export',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary:
          "An event's export to open in a spreadsheet (who arrived or who has not yet; CSV or .xlsx), streamed through",
        security,
        params: IdParams,
        querystring: ExportQuery,
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) =>
      sendUpstreamStream(
        reply,
        await attendance.stream(callerOf(request), path(request.params.id, `/export${queryString(request.query)}`)),
      ),
  );

  app.get(
    '/api/events/:id/summary',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: 'An event, its first check-ins and its stats',
        security,
        params: IdParams,
        querystring: SummaryQuery,
        response: { 200: EventSummary, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(request, reply, 'GET', path(request.params.id, `/summary${queryString(request.query)}`)),
  );

  app.post(
    '/api/events/:id/tickets',
    {
      onRequest: authenticateCaller,
      // Only an admin may send a large body here, and only the CSV (streamed on, never held); a JSON
      // ticket list has the spec's 1 MiB; anyone else (attendance refuses them anyway) the small limit.
      config: {
        acceptsCsv: true,
        bodyAllowance: (request) =>
          !isAdmin(request)
            ? DEFAULT_BODY_LIMIT_BYTES
            : isCsvType(mediaType(request.headers['content-type']))
              ? ticketImportMaxBytes
              : SPEC_BODY_LIMIT_BYTES,
      },
      bodyLimit: SPEC_BODY_LIMIT_BYTES,
      validatorCompiler: jsonBodyOrCsv,
      schema: {
        tags,
        summary: 'Issue tickets (admin): {"count": n}, {"tickets": [...]}, or a text/csv upload',
        security,
        params: IdParams,
        body: IssueTicketsBody,
        response: { 201: TicketsIssued, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      // Typed as the JSON body; a CSV upload arrives as a stream of its bytes (see jsonBodyOrCsv).
      const upload = request.body as IssueTicketsBody | Readable;
      const csv = isCsvType(mediaType(request.headers['content-type']));
      if (csv !== upload instanceof Readable) {
        throw validationError([
          {
            loc: ['body'],
            msg: 'expected {"count": n} or {"tickets": [...]} as JSON, or a text/csv document',
            type: 'type',
          },
        ]);
      }
      // A CSV goes on to attendance as it arrives: the portal never holds the whole upload.
      const body =
        upload instanceof Readable
          ? { body: upload, contentType: 'text/csv', timeoutMs: ticketUploadTimeoutMs }
          : jsonBody(upload);
      return relay(request, reply, 'POST', path(request.params.id, '/tickets'), body);
    },
  );

  app.get(
    '/api/events/:id/tickets',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: 'Tickets of an event with their check-in state (admin): by code or as issued, searchable',
        security,
        params: IdParams,
        querystring: TicketListQuery,
        response: { 200: TicketList },
      },
    },
    async (request, reply) =>
      relay(request, reply, 'GET', path(request.params.id, `/tickets${queryString(request.query)}`)),
  );

  app.patch(
    '/api/events/:id/tickets/:ticket_id',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: "Correct a ticket's holder name or e-mail (admin)",
        security,
        params: TicketParams,
        body: UpdateTicketBody,
        response: { 200: TicketState, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(
        request,
        reply,
        'PATCH',
        path(request.params.id, `/tickets/${encodeURIComponent(request.params.ticket_id)}`),
        jsonBody(request.body),
      ),
  );

  // Attention notes per ticket type (issue 17 item 9).
  app.get(
    '/api/events/:id/ticket-type-notes',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: "The event's ticket types with their counts and attention notes (admin)",
        security,
        params: IdParams,
        response: { 200: TicketTypeNotes, 404: ErrorBody },
      },
    },
    async (request, reply) => relay(request, reply, 'GET', path(request.params.id, '/ticket-type-notes')),
  );

  app.put(
    '/api/events/:id/ticket-type-notes',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: 'Set the attention note of a ticket type (admin)',
        security,
        params: IdParams,
        body: TicketTypeNoteBody,
        response: { 200: TicketTypeNote, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(request, reply, 'PUT', path(request.params.id, '/ticket-type-notes'), jsonBody(request.body)),
  );

  // Tickets sent to their holders by e-mail (issue 17 item 14): attendance sends them in the background.
  app.post(
    '/api/events/:id/mailings',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: 'Send each ticket holder their QR ticket by e-mail, in the background (admin)',
        security,
        params: IdParams,
        body: MailingRequest.nullish(),
        response: { 202: Mailing, 404: ErrorBody, 422: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(request, reply, 'POST', path(request.params.id, '/mailings'), jsonBody(request.body ?? {})),
  );

  app.get(
    '/api/events/:id/mailings',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: "The event's mailings, newest first, with their counts (admin)",
        security,
        params: IdParams,
        response: { 200: MailingList, 404: ErrorBody },
      },
    },
    async (request, reply) => relay(request, reply, 'GET', path(request.params.id, '/mailings')),
  );

  app.get(
    '/api/events/:id/mailings/:mailing_id',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: "A mailing's progress and every address's result, failed first (admin)",
        security,
        params: MailingParams,
        response: { 200: Mailing, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(request, reply, 'GET', path(request.params.id, `/mailings/${request.params.mailing_id}`)),
  );
};

export default eventsRoutes;
