// POST /events/{id}/mailings, GET /events/{id}/mailings[/{mailing_id}] (new, issue 17 item 14): an admin sends
// each ticket holder their QR ticket by e-mail, in the background, and follows its progress address by address.
import { ErrorBody, IdParams, Mailing, MailingList, MailingParams, MailingRequest } from '@tixgo/contracts';
import { authenticate, httpError, httpErrors, requireAdmin } from '@tixgo/platform';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { getEvent } from '../events/events-repository.js';
import type { MailingJobs } from '../mail/mailing-job.js';
import { createMailing, getMailing, listMailings } from '../mail/mailings-repository.js';
import type { AttendanceRouteOptions } from './route-options.js';

export const MAIL_OFF = 'E-mail is not set up on this server (SMTP_URL)';
export const MAILING_NOT_FOUND = 'Mailing not found';

const mailingRoutes: FastifyPluginAsyncZod<AttendanceRouteOptions & { mailings: MailingJobs | undefined }> = async (
  app,
  { db, mailings },
) => {
  const adminOnly = { onRequest: [authenticate, requireAdmin] };
  const security = [{ bearerAuth: [] }];

  app.post(
    '/events/:id/mailings',
    {
      ...adminOnly,
      schema: {
        tags: ['tickets'],
        summary: 'Send each ticket holder their QR ticket by e-mail, in the background',
        description:
          'Every ticket with an e-mail address that is not cancelled, or only ticket_ids. 202 with the ' +
          "mailing's counts at once; GET it for the progress and each address's result. 503 when SMTP_URL is " +
          'not set; 422 when no ticket has an address.',
        security,
        params: IdParams,
        body: MailingRequest.nullish(),
        response: { 202: Mailing, 404: ErrorBody, 422: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      if (!mailings) throw httpError(503, MAIL_OFF);
      const event = await getEvent(db, request.params.id);
      const mailingId = await createMailing(db, event.id, request.user.username, request.body?.ticket_ids);
      const mailing = (await getMailing(db, event.id, mailingId, false)) as Mailing;
      if (mailing.total === 0) {
        throw httpErrors.unprocessable('No ticket of this event has an e-mail address to send to');
      }
      mailings.start(event.id, mailingId);
      return reply.code(202).send(mailing);
    },
  );

  app.get(
    '/events/:id/mailings',
    {
      ...adminOnly,
      schema: {
        tags: ['tickets'],
        summary: "The event's mailings, newest first (at most 20), with their counts",
        security,
        params: IdParams,
        response: { 200: MailingList, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      return { event_id: event.id, mailings: await listMailings(db, event.id) };
    },
  );

  app.get(
    '/events/:id/mailings/:mailing_id',
    {
      ...adminOnly,
      schema: {
        tags: ['tickets'],
        summary: "A mailing's progress and every address's result (failed first)",
        security,
        params: MailingParams,
        response: { 200: Mailing, 404: ErrorBody },
      },
    },
    async (request) => {
      const event = await getEvent(db, request.params.id);
      const mailing = await getMailing(db, event.id, request.params.mailing_id, true);
      if (!mailing) throw httpErrors.notFound(MAILING_NOT_FOUND);
      return mailing;
    },
  );
};

export default mailingRoutes;
