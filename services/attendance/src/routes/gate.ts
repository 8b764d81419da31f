// The gate-rule endpoints (issue 16): check-in lists, annul (undo) a check-in, cancel a ticket, a ticket's history,
// resolve a conflict (keep or annul).
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
  LIST_PASSES_LIMIT,
  ListParams,
  ListPasses,
  ListPassesQuery,
  ReasonBody,
  ResolveConflictBody,
  TicketHistory,
  TicketParams,
} from '@tixgo/contracts';
import { authenticate, httpErrors, requireAdmin, requireSupervisor } from '@tixgo/platform';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { conflictAdmission, resolveConflict } from '../checkins/conflicts-repository.js';
import {
  annulCheckin,
  cancelTicket,
  createList,
  listIdOf,
  readHistory,
  readListPasses,
  readLists,
  readTicketFacts,
} from '../checkins/gate-repository.js';
import { getEvent } from '../events/events-repository.js';
import type { AttendanceRouteOptions } from './route-options.js';

const gateRoutes: FastifyPluginAsyncZod<AttendanceRouteOptions> = async (app, options) => {
  const { db, lists } = options;
  const security = [{ bearerAuth: [] }];
  const anyRole = { onRequest: authenticate };
  const supervisors = { onRequest: [authenticate, requireSupervisor] };
  const admins = { onRequest: [authenticate, requireAdmin] };

  app.post(
    '/events/:id/lists',
    {
      ...admins,
      schema: {
        tags: ['gate rules'],
        summary: 'Add a check-in list (an area, a day): re-entry, capacity, ticket types, a time window',
        security,
        params: IdParams,
        body: CreateListBody,
        response: { 201: CheckinList, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const event = await getEvent(db, request.params.id);
      const listId = request.body.id ?? listIdOf(request.body.name);
      if (listId === 'main') throw httpErrors.conflict('The list main is the event itself');
      if (!(await createList(db, event.id, listId, request.body, request.user.username))) {
        throw httpErrors.conflict('The event already has a list with this id');
      }
      const created = (await readLists(db, event.id)).find((list) => list.id === listId);
      return reply.code(201).send(created as NonNullable<typeof created>);
    },
  );

  app.get(
    '/events/:id/lists/:list_id/passes',
    {
      ...anyRole,
      schema: {
        tags: ['gate rules'],
        summary: "Every ticket's state on a list other than main: for an offline station on that list",
        description:
          `[ticket_id, entries, inside] of the tickets admitted at least once, by ticket_id, up to limit ` +
          `(default and at most ${LIST_PASSES_LIMIT}) after \`after\`. 404 for an unknown event or list.`,
        security,
        params: ListParams,
        querystring: ListPassesQuery,
        response: { 200: ListPasses, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      const limit = request.query.limit ?? LIST_PASSES_LIMIT;
      const passes = await readListPasses(db, event.id, request.params.list_id, request.query.after ?? '', limit);
      if (!passes) throw httpErrors.notFound('Check-in list not found');
      return {
        event_id: event.id,
        list_id: request.params.list_id,
        passes,
        next_after: passes.length === limit ? (passes.at(-1) as [string, number, boolean])[0] : null,
      };
    },
  );

  app.get(
    '/events/:id/lists',
    {
      ...anyRole,
      schema: {
        tags: ['gate rules'],
        summary: "The event's check-in lists (main first) with checked_in and inside",
        security,
        params: IdParams,
        response: { 200: CheckinLists, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      return { event_id: event.id, lists: await readLists(db, event.id) };
    },
  );

  app.post(
    '/events/:id/checkins/:checkin_id/annul',
    {
      ...supervisors,
      schema: {
        tags: ['gate rules'],
        summary: 'Undo a check-in (supervisor, admin): it no longer counts and the ticket may enter again',
        description: 'The admission and its annulment (who, when, why) stay in the ticket history.',
        security,
        params: CheckinIdParams,
        body: ReasonBody,
        response: { 200: Annulled, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      const { checkin_id: checkinId } = request.params;
      const annulled = await annulCheckin(db, event.id, checkinId, request.user.username, request.body.reason);
      if (!annulled) throw httpErrors.notFound('Check-in not found (or annulled already)');
      lists.invalidate(event.id);
      return {
        status: 'annulled' as const,
        checkin_id: checkinId,
        ticket_id: annulled.ticketId,
        list_id: annulled.listId,
        annulled_by: request.user.username,
        annulled_at: annulled.at,
        reason: request.body.reason,
      };
    },
  );

  app.post(
    '/events/:id/tickets/:ticket_id/cancel',
    {
      ...admins,
      schema: {
        tags: ['gate rules'],
        summary: 'Cancel a ticket (admin): every later scan is refused, online and offline after the next sync',
        security,
        params: TicketParams,
        body: ReasonBody,
        response: { 200: Cancelled, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      const { ticket_id: ticketId } = request.params;
      const result = await cancelTicket(db, event.id, ticketId, request.user.username, request.body.reason);
      if (result === 'not-found') throw httpErrors.notFound('Ticket not found for this event');
      if (result === 'already') throw httpErrors.conflict('Ticket already cancelled');
      return {
        status: 'cancelled' as const,
        ticket_id: ticketId,
        cancelled_by: request.user.username,
        cancelled_at: result.at,
        reason: request.body.reason,
      };
    },
  );

  app.get(
    '/events/:id/tickets/:ticket_id/history',
    {
      ...anyRole,
      schema: {
        tags: ['gate rules'],
        summary: "A ticket's history: every scan (admitted, refused and why, exits), annulment and cancellation",
        security,
        params: TicketParams,
        response: { 200: TicketHistory, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      const { ticket_id: ticketId } = request.params;
      const [facts, history] = await Promise.all([
        readTicketFacts(db, event.id, ticketId),
        readHistory(db, event.id, ticketId),
      ]);
      if (!facts.isIssued && history.length === 0) throw httpErrors.notFound('Ticket not found for this event');
      return {
        event_id: event.id,
        ticket_id: ticketId,
        holder_name: facts.holderName,
        type: facts.type,
        cancelled_at: facts.cancelledAt,
        cancel_reason: facts.cancelReason,
        history,
      };
    },
  );

  app.post(
    '/events/:id/conflicts/:conflict_id/resolve',
    {
      ...supervisors,
      schema: {
        tags: ['gate rules', 'offline'],
        summary: 'Resolve a conflict (supervisor, admin): keep the admission, or annul it',
        security,
        params: ConflictParams,
        body: ResolveConflictBody,
        response: { 200: CheckinConflict, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      const { conflict_id: conflictId } = request.params;
      const found = await conflictAdmission(db, event.id, conflictId);
      if (!found) throw httpErrors.notFound('Conflict not found');
      const { action, reason } = request.body;
      if (action === 'annul' && found.firstCheckinId !== null) {
        const why = reason ?? `conflict ${conflictId}`;
        await annulCheckin(db, event.id, found.firstCheckinId, request.user.username, why);
        lists.invalidate(event.id);
      }
      const resolution = action === 'annul' ? 'annulled' : 'kept';
      const resolved = await resolveConflict(db, event.id, conflictId, request.user.username, resolution);
      if (!resolved) throw httpErrors.notFound('Conflict not found');
      return resolved;
    },
  );
};

export default gateRoutes;
