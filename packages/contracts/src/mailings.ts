// Tickets sent to their holders by e-mail (issue 17 item 14): the request, a mailing's progress and each address's result.
import { z } from 'zod';
import { BodyId, Id, IsoTime } from './common.js';

/** Most tickets one request may name (a resend of the failed ones); without ticket_ids every ticket with an address goes. */
export const MAILING_TICKETS_MAX = 10_000;

export const MailingRequest = z
  .object({
    ticket_ids: z
      .array(BodyId)
      .min(1)
      .max(MAILING_TICKETS_MAX)
      .optional()
      .describe('only these tickets (those with an e-mail address); default: every ticket with one, not cancelled'),
  })
  .strict();
export type MailingRequest = z.infer<typeof MailingRequest>;

export const MailingParams = z.object({ id: Id, mailing_id: z.uuid() });

export const MailingItem = z.object({
  ticket_id: z.string(),
  email: z.string(),
  status: z.enum(['waiting', 'sent', 'failed']),
  error: z.string().nullable().describe("the mail server's answer when it failed"),
  sent_at: IsoTime.nullable(),
});
export type MailingItem = z.infer<typeof MailingItem>;

/** A mailing's progress: counts, and (from GET of one mailing) every address's result. */
export const Mailing = z.object({
  mailing_id: z.string(),
  event_id: z.string(),
  requested_by: z.string(),
  created_at: IsoTime,
  finished_at: IsoTime.nullable().describe('null while addresses are still waiting'),
  total: z.number().int(),
  sent: z.number().int(),
  failed: z.number().int(),
  waiting: z.number().int(),
  items: z.array(MailingItem).optional().describe('every address, failed first (GET of one mailing only)'),
});
export type Mailing = z.infer<typeof Mailing>;

export const MailingList = z.object({ event_id: z.string(), mailings: z.array(Mailing) });
export type MailingList = z.infer<typeof MailingList>;
