// GET /events/{id}/tickets/search (new): manual lookup at the gate when a code cannot be scanned.
import { ErrorBody, IdParams, TICKET_SEARCH_LIMIT, TicketSearchQuery, TicketSearchResult } from '@tixgo/contracts';
import { authenticate } from '@tixgo/platform';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { getEvent } from '../events/events-repository.js';
import { searchTickets } from '../tickets/ticket-search-repository.js';
import type { AttendanceRouteOptions } from './route-options.js';

const ticketSearchRoutes: FastifyPluginAsyncZod<AttendanceRouteOptions> = async (app, { db }) => {
  app.get(
    '/events/:id/tickets/search',
    {
      // Committee too (unlike the ticket list): this is the station's fallback for a damaged QR code.
      onRequest: authenticate,
      schema: {
        tags: ['tickets'],
        summary: 'Tickets whose code or holder name contains q, with their check-in state',
        description:
          `At most ${TICKET_SEARCH_LIMIT}: an exact code first, then by holder name. q is matched ` +
          'case-insensitively anywhere in the code or name and needs at least 3 characters (else 422). ' +
          '`more` is true when further tickets match. holder_email is null unless the caller is an admin.',
        security: [{ bearerAuth: [] }],
        params: IdParams,
        querystring: TicketSearchQuery,
        response: { 200: TicketSearchResult, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      const rows = await searchTickets(db, event.id, request.query.q, TICKET_SEARCH_LIMIT + 1);
      // A holder's e-mail is for admins only, as in the ticket list and the export (issue 15, item 9):
      // with the offline download's codes a committee member could otherwise collect every address.
      const isAdmin = request.user.role === 'admin';
      return {
        event_id: event.id,
        tickets: rows.slice(0, TICKET_SEARCH_LIMIT).map((row) => (isAdmin ? row : { ...row, holder_email: null })),
        more: rows.length > TICKET_SEARCH_LIMIT,
      };
    },
  );
};

export default ticketSearchRoutes;
