// Bodies of the gate-rule endpoints (issue 16): check-in lists, undo (annul), cancelled tickets, a ticket's history.
import { z } from 'zod';
import { TEXT_LIMITS } from './attendance.js';
import { BodyId, Id, IsoTime, line, refusal } from './common.js';
import { DIRECTIONS } from './gate-rules.js';

export const TicketType = line(TEXT_LIMITS.ticketType);

/** POST /events/{id}/lists. */
export const CreateListBody = z
  .object({
    id: BodyId.optional().describe('default: generated from the name'),
    name: line(100).refine((value) => value.trim() !== '', refusal('must not be blank', 'blank')),
    reentry: z.boolean().default(false).describe('true: a ticket may enter again after an exit'),
    capacity: z.number().int().min(0).max(10_000_000).nullable().default(null).describe('most people inside at once'),
    ticket_types: z
      .array(TicketType)
      .min(1)
      .max(50)
      .nullable()
      .default(null)
      .describe('only tickets of these types may enter; null: every ticket'),
    opens_at: IsoTime.nullable().default(null),
    closes_at: IsoTime.nullable().default(null),
  })
  .refine(
    (body) => body.opens_at === null || body.closes_at === null || body.opens_at < body.closes_at,
    refusal('closes_at must be after opens_at', 'window'),
  );
export type CreateListBody = z.infer<typeof CreateListBody>;

export const CheckinList = z.object({
  id: z.string(),
  event_id: z.string(),
  name: z.string(),
  reentry: z.boolean(),
  capacity: z.number().int().nullable(),
  ticket_types: z.array(z.string()).nullable(),
  opens_at: IsoTime.nullable(),
  closes_at: IsoTime.nullable(),
  checked_in: z.number().int().describe('tickets admitted to this list (an annulled admission does not count)'),
  inside: z.number().int().describe('admitted and not yet out'),
});
export type CheckinList = z.infer<typeof CheckinList>;

export const CheckinLists = z.object({ event_id: z.string(), lists: z.array(CheckinList) });
export type CheckinLists = z.infer<typeof CheckinLists>;

export const ListParams = z.object({ id: Id, list_id: Id });

/** Most passes in one page of GET /events/{id}/lists/{list_id}/passes. */
export const LIST_PASSES_LIMIT = 20_000;

export const ListPassesQuery = z.object({
  after: z.string().min(1).max(200).optional().describe('next_after of the page before'),
  limit: z.coerce.number().int().min(1).max(LIST_PASSES_LIMIT).optional(),
});

/**
 * 200 of GET /events/{id}/lists/{list_id}/passes (issue 16): every ticket's state on a list other than main, so
 * an offline station on that list knows what the other stations did there. Compact: [ticket_id, entries, inside].
 */
export const ListPasses = z.object({
  event_id: z.string(),
  list_id: z.string(),
  passes: z
    .array(z.tuple([z.string(), z.number().int(), z.boolean()]))
    .describe('[ticket_id, admissions that count, inside now], by ticket_id; only tickets admitted at least once'),
  next_after: z.string().nullable().describe('ask again with after=this for the next page; null: that was all'),
});
export type ListPasses = z.infer<typeof ListPasses>;
export const CheckinIdParams = z.object({ id: Id, checkin_id: z.uuid() });

/** POST …/annul and …/cancel: why (kept in the history). */
export const ReasonBody = z.object({
  reason: line(TEXT_LIMITS.reason).refine((value) => value.trim() !== '', refusal('must not be blank', 'blank')),
});
export type ReasonBody = z.infer<typeof ReasonBody>;

export const Annulled = z.object({
  status: z.literal('annulled'),
  checkin_id: z.string(),
  ticket_id: z.string(),
  list_id: z.string(),
  annulled_by: z.string(),
  annulled_at: IsoTime,
  reason: z.string(),
});
export type Annulled = z.infer<typeof Annulled>;

export const Cancelled = z.object({
  status: z.literal('cancelled'),
  ticket_id: z.string(),
  cancelled_by: z.string(),
  cancelled_at: IsoTime,
  reason: z.string(),
});
export type Cancelled = z.infer<typeof Cancelled>;

export const HISTORY_ACTIONS = ['entry', 'exit', 'refused', 'annulled', 'cancelled'] as const;

/** One line of a ticket's history: every scan attempt and every undo or cancellation. */
export const HistoryEntry = z.object({
  action: z.enum(HISTORY_ACTIONS),
  list_id: z.string().nullable(),
  direction: z.enum(DIRECTIONS).nullable(),
  /** When attendance received it. */
  at: IsoTime,
  scanned_at: IsoTime.nullable().describe("the device's scan time, when it gave one"),
  by: z.string(),
  location: z.string().nullable(),
  device_id: z.string().nullable(),
  checkin_id: z.string().nullable().describe('the admission (entry) this line is, or the one it annulled'),
  detail: z.string().nullable().describe('why a scan was refused'),
  refusal: z.string().nullable(),
  reason: z.string().nullable().describe('the annulment or cancellation reason'),
  overridden: z.boolean().describe('a supervisor let the person into a full list'),
  annulled: z.boolean().describe('an admission later annulled (it no longer counts)'),
  offline: z.boolean().describe('the device let the person in while offline'),
  device_scanned_at: IsoTime.optional().describe(
    "the time the device gave, only when it was before the device's first download of the event's tickets " +
      '(scanned_at is then that download time)',
  ),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const TicketHistory = z.object({
  event_id: z.string(),
  ticket_id: z.string(),
  holder_name: z.string().nullable(),
  type: z.string().nullable(),
  cancelled_at: IsoTime.nullable(),
  cancel_reason: z.string().nullable(),
  history: z.array(HistoryEntry).describe('oldest first'),
});
export type TicketHistory = z.infer<typeof TicketHistory>;

/** POST /events/{id}/conflicts/{conflict_id}/resolve: keep the admission, or annul it. */
export const ResolveConflictBody = z.object({
  action: z.enum(['keep', 'annul']),
  reason: line(TEXT_LIMITS.reason).optional(),
});
export type ResolveConflictBody = z.infer<typeof ResolveConflictBody>;
