// /api/events/{id}/lists, annul, cancel, a ticket's history, resolve a conflict (issue 16): attendance's gate-rule
// endpoints through the portal, validated here, answered as attendance answers (roles are attendance's to check).
import {
  Annulled,
  Cancelled,
  CheckinConflict,
  CheckinIdParams,
  CheckinList,
  CheckinLists,
  ConflictParams,
  CreateListBody,
  ErrorBody,
  IdParams,
  ReasonBody,
  ResolveConflictBody,
  TicketHistory,
  TicketParams,
} from '@tixgo/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authenticateCaller } from '../session/authenticate-caller.js';
import type { AttendanceClient } from '../upstream/attendance-client.js';
import { relayTo } from '../upstream/pass-through.js';
import { jsonBody } from '../upstream/upstream-client.js';

const gateRoutes: FastifyPluginAsyncZod<{ attendance: AttendanceClient }> = async (app, { attendance }) => {
  const security = [{ bearerAuth: [] }];
  const tags = ['gate rules'];
  const path = (id: string, rest: string) => `/events/${encodeURIComponent(id)}${rest}`;
  const relay = relayTo(attendance);
  const onRequest = authenticateCaller;

  app.get(
    '/api/events/:id/lists',
    {
      onRequest,
      schema: {
        tags,
        summary: "The event's check-in lists",
        security,
        params: IdParams,
        response: { 200: CheckinLists },
      },
    },
    async (request, reply) => relay(request, reply, 'GET', path(request.params.id, '/lists')),
  );

  app.post(
    '/api/events/:id/lists',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Add a check-in list (admin)',
        security,
        params: IdParams,
        body: CreateListBody,
        response: { 201: CheckinList, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => relay(request, reply, 'POST', path(request.params.id, '/lists'), jsonBody(request.body)),
  );

  app.post(
    '/api/events/:id/checkins/:checkin_id/annul',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Undo a check-in (supervisor, admin)',
        security,
        params: CheckinIdParams,
        body: ReasonBody,
        response: { 200: Annulled, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(
        request,
        reply,
        'POST',
        path(request.params.id, `/checkins/${request.params.checkin_id}/annul`),
        jsonBody(request.body),
      ),
  );

  app.post(
    '/api/events/:id/tickets/:ticket_id/cancel',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Cancel a ticket (admin)',
        security,
        params: TicketParams,
        body: ReasonBody,
        response: { 200: Cancelled, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(
        request,
        reply,
        'POST',
        path(request.params.id, `/tickets/${encodeURIComponent(request.params.ticket_id)}/cancel`),
        jsonBody(request.body),
      ),
  );

  app.get(
    '/api/events/:id/tickets/:ticket_id/history',
    {
      onRequest,
      schema: {
        tags,
        summary: "A ticket's history",
        security,
        params: TicketParams,
        response: { 200: TicketHistory, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(
        request,
        reply,
        'GET',
        path(request.params.id, `/tickets/${encodeURIComponent(request.params.ticket_id)}/history`),
      ),
  );

  app.post(
    '/api/events/:id/conflicts/:conflict_id/resolve',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Resolve a conflict: keep or annul (supervisor, admin)',
        security,
        params: ConflictParams,
        body: ResolveConflictBody,
        response: { 200: CheckinConflict, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      relay(
        request,
        reply,
        'POST',
        path(request.params.id, `/conflicts/${request.params.conflict_id}/resolve`),
        jsonBody(request.body),
      ),
  );
};

export default gateRoutes;
