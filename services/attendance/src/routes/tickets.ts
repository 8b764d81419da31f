// POST and GET /events/{id}/tickets (spec: attendance, new): issue tickets (count, list or CSV), list them paged.
import { Readable } from 'node:stream';
import {
  ErrorBody,
  IdParams,
  IssueTicketsBody,
  PAGE_LIMITS,
  TicketList,
  TicketListQuery,
  TicketParams,
  TicketState,
  TicketsIssued,
  TicketTypeNote,
  TicketTypeNoteBody,
  TicketTypeNotes,
  UpdateTicketBody,
} from '@tixgo/contracts';
import { acceptCsvUploads, authenticate, httpErrors, jsonBodyOrCsv, requireAdmin } from '@tixgo/platform';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { getEvent } from '../events/events-repository.js';
import { readTicketCsv } from '../tickets/ticket-csv.js';
import { issueTickets, listTickets, type TicketPageStart, updateTicketHolder } from '../tickets/tickets-repository.js';
import { readTypeNotes, setTypeNote } from '../tickets/type-notes-repository.js';
import { decodeSeqCursor, decodeTicketCursor, encodeSeqCursor, encodeTicketCursor } from './cursors.js';
import type { AttendanceRouteOptions } from './route-options.js';

const ticketRoutes: FastifyPluginAsyncZod<AttendanceRouteOptions> = async (app, { db, config }) => {
  const security = [{ bearerAuth: [] }];
  const adminOnly = { onRequest: [authenticate, requireAdmin] };

  acceptCsvUploads(app, config.ticketImportMaxBytes);

  app.post(
    '/events/:id/tickets',
    {
      ...adminOnly,
      // Imports of up to 100k tickets are larger than the 1 MiB every other body is held to (a CSV
      // upload is held to it by acceptCsvUploads, as it streams in).
      bodyLimit: config.ticketImportMaxBytes,
      validatorCompiler: jsonBodyOrCsv,
      schema: {
        tags: ['tickets'],
        summary: 'Issue tickets: {"count": n}, {"tickets": [...]}, or a text/csv upload',
        description:
          'All or nothing, in one transaction. Generated codes are 12 characters from an alphabet without ' +
          '0/O/1/I. CSV: a header row naming ticket_id, holder_name, holder_email, separated by "," or by ";" ' +
          '(as Excel writes CSV in locales with a decimal comma; decided from the header); an empty ticket_id is ' +
          'generated; a bad line is a 422 naming the line (and the column of a bad cell). Ids repeated in the batch or already issued are ' +
          'a 409 naming them. At most 100000 tickets per request; a CSV is read as it arrives and refused at ' +
          'the first line past that.',
        security,
        params: IdParams,
        body: IssueTicketsBody,
        response: { 201: TicketsIssued, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      // Typed as the JSON body; a CSV upload arrives as a stream of its bytes (see jsonBodyOrCsv).
      const body = request.body as IssueTicketsBody | Readable;
      const inputs =
        body instanceof Readable
          ? await readTicketCsv(body)
          : (body.tickets ?? Array.from({ length: body.count ?? 0 }, () => ({ type: body.type })));
      const tickets = await issueTickets(db, request.params.id, inputs);
      return reply.code(201).send({ created: tickets.length, tickets });
    },
  );

  app.get(
    '/events/:id/tickets',
    {
      ...adminOnly,
      schema: {
        tags: ['tickets'],
        summary: "An event's tickets with their check-in state, by ticket id or as issued; searchable",
        description:
          `One page (limit default ${PAGE_LIMITS.default}); next_cursor is null on the last page. sort=import: ` +
          "in the order they were issued (an import's lines in file order). q: only tickets whose code, " +
          'holder name or e-mail contains it. total: every ticket of the event.',
        security,
        params: IdParams,
        querystring: TicketListQuery,
        response: { 200: TicketList, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      const limit = request.query.limit ?? PAGE_LIMITS.default;
      const sort = request.query.sort ?? 'code';
      const start: TicketPageStart =
        sort === 'import'
          ? { sort, after: decodeSeqCursor(request.query.cursor) }
          : { sort, after: decodeTicketCursor(request.query.cursor) };
      const rows = await listTickets(db, event.id, start, limit + 1, request.query.q);
      const more = rows.length > limit;
      const tickets = (more ? rows.slice(0, limit) : rows).map(({ seq: _seq, ...ticket }) => ticket);
      const last = more ? rows[limit - 1] : undefined;
      return {
        event_id: event.id,
        total: event.ticket_count,
        tickets,
        next_cursor: last ? (sort === 'import' ? encodeSeqCursor(last.seq) : encodeTicketCursor(last.ticket_id)) : null,
      };
    },
  );

  app.patch(
    '/events/:id/tickets/:ticket_id',
    {
      ...adminOnly,
      schema: {
        tags: ['tickets'],
        summary: "Correct a ticket's holder name or e-mail (null clears it)",
        security,
        params: TicketParams,
        body: UpdateTicketBody,
        response: { 200: TicketState, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      const ticket = await updateTicketHolder(db, event.id, request.params.ticket_id, request.body);
      if (!ticket) throw httpErrors.notFound('Ticket not found for this event');
      return ticket;
    },
  );

  app.get(
    '/events/:id/ticket-type-notes',
    {
      ...adminOnly,
      schema: {
        tags: ['tickets'],
        summary: "The event's ticket types with their counts and attention notes for the gate",
        security,
        params: IdParams,
        response: { 200: TicketTypeNotes, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      return { event_id: event.id, types: await readTypeNotes(db, event.id) };
    },
  );

  app.put(
    '/events/:id/ticket-type-notes',
    {
      ...adminOnly,
      schema: {
        tags: ['tickets'],
        summary: 'Set the attention note of a ticket type (issue 17): every ticket of the type stops the station',
        description:
          'A ticket with its own note shows both, the type\'s first. null or "" clears it. A station has a changed ' +
          'note with its next full download (set notes before the gates download).',
        security,
        params: IdParams,
        body: TicketTypeNoteBody,
        response: { 200: TicketTypeNote, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      return setTypeNote(db, event.id, request.body.type, request.body.note);
    },
  );
};

export default ticketRoutes;
