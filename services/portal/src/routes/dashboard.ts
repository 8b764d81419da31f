// GET /api/overview and /api/events/{id}/stats|checkins|tickets/search (new): the web UI's reads, forwarded to attendance as they are.
import {
  ErrorBody,
  EventCheckinList,
  EventCheckinsQuery,
  EventStats,
  EventStatsQuery,
  IdParams,
  Overview,
  TicketSearchQuery,
  TicketSearchResult,
} from '@tixgo/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authenticateCaller } from '../session/authenticate-caller.js';
import type { AttendanceClient } from '../upstream/attendance-client.js';
import { relayTo } from '../upstream/pass-through.js';
import { queryString } from '../upstream/query-string.js';

const dashboardRoutes: FastifyPluginAsyncZod<{ attendance: AttendanceClient }> = async (app, { attendance }) => {
  const security = [{ bearerAuth: [] }];
  const tags = ['events'];
  const relay = relayTo(attendance);
  const path = (id: string, rest: string) => `/events/${encodeURIComponent(id)}${rest}`;

  app.get(
    '/api/overview',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: 'Every event with checked-in / registered (the dashboard, in one request)',
        description: 'Live: GET /api/live/overview streams the same body whenever it changes.',
        security,
        response: { 200: Overview },
      },
    },
    async (request, reply) => relay(request, reply, 'GET', '/overview'),
  );

  app.get(
    '/api/events/:id/stats',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: "An event's stats: totals, check-ins per 5/15/60-minute bucket, per gate, the newest check-ins",
        description: 'Only buckets with check-ins are listed. Live: GET /api/live/events/{id}.',
        security,
        params: IdParams,
        querystring: EventStatsQuery,
        response: { 200: EventStats, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(request, reply, 'GET', path(request.params.id, `/stats${queryString(request.query)}`)),
  );

  app.get(
    '/api/events/:id/checkins',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: "An event's check-ins with their holders, newest first; search by code or name, filter by gate",
        security,
        params: IdParams,
        querystring: EventCheckinsQuery,
        response: { 200: EventCheckinList, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(request, reply, 'GET', path(request.params.id, `/checkins${queryString(request.query)}`)),
  );

  app.get(
    '/api/events/:id/tickets/search',
    {
      onRequest: authenticateCaller,
      schema: {
        tags,
        summary: 'Manual lookup at the gate: at most 20 tickets whose code or holder name contains q (3+ characters)',
        security,
        params: IdParams,
        querystring: TicketSearchQuery,
        response: { 200: TicketSearchResult, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(request, reply, 'GET', path(request.params.id, `/tickets/search${queryString(request.query)}`)),
  );
};

export default dashboardRoutes;
