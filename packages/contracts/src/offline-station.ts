// Bodies of the offline check-in station's endpoints (issue 8): the ticket download, conflicts, the queue upload.
import { z } from 'zod';
import {
  CheckinBody,
  CheckinNotFound,
  Cursor,
  DuplicateCheckin,
  IdempotencyKey,
  MAX_CHECKINS_PER_BATCH,
} from './attendance.js';
import { Id, IsoTime, ValidationErrorBody } from './common.js';
import { PortalCheckin } from './portal.js';

// ---------------------------------------------------------------- the ticket download

/**
 * Most entries (tickets + check-ins) in one page of the download: a 100,000-ticket event comes in
 * five, each a few hundred KB compressed, small enough for a phone to parse without stalling.
 */
export const OFFLINE_PAGE_LIMIT = 20_000;

export const OfflineTicketsQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(OFFLINE_PAGE_LIMIT)
    .optional()
    .describe(`entries per page (tickets and check-ins together), default and at most ${OFFLINE_PAGE_LIMIT}`),
  cursor: Cursor.optional().describe('next_cursor of an earlier answer: only what changed since'),
  device_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe(
      "the gate device's id (as its scans send it): attendance notes when the device first and last downloaded " +
        "the event's tickets, and moves that device's offline scan times from before its first download to it",
    ),
});
export type OfflineTicketsQuery = z.infer<typeof OfflineTicketsQuery>;

/**
 * [ticket_id, holder_name]: compact on purpose (100,000 of them go to a phone). Issue 16: a typed ticket has a
 * third element, its type; a cancelled one a fourth, the reason it was cancelled (then the type may be null).
 */
export const OfflineTicket = z.union([
  z.tuple([z.string(), z.string().nullable()]),
  z.tuple([z.string(), z.string().nullable(), z.string().nullable()]),
  z.tuple([z.string(), z.string().nullable(), z.string().nullable(), z.string()]),
  // Issue 17: an attention ticket has a fifth, its note for the gate (then the type and the reason may be null).
  z.tuple([z.string(), z.string().nullable(), z.string().nullable(), z.string().nullable(), z.string()]),
]);
export type OfflineTicket = z.infer<typeof OfflineTicket>;

/** [ticket_id, admitted_at, checked_in_by, location]: admitted_at is the scan time where the device gave one. */
export const OfflineCheckin = z.tuple([z.string(), IsoTime, z.string(), z.string().nullable()]);
export type OfflineCheckin = z.infer<typeof OfflineCheckin>;

export const OfflineTickets = z.object({
  event_id: z.string(),
  has_tickets: z.boolean().describe('false: the event accepts any code once (ad hoc), so no list to check against'),
  tickets: z.array(OfflineTicket).describe('[ticket_id, holder_name], in the order they were issued'),
  checkins: z
    .array(OfflineCheckin)
    .describe(
      '[ticket_id, admitted_at, checked_in_by, location]; a check-in may come again in a later answer ' +
        '(merge by ticket_id)',
    ),
  next_cursor: z.string().describe('ask with it for the next page, or (complete) later for what changed since'),
  complete: z.boolean().describe('true: nothing more right now; false: ask again at once with next_cursor'),
  checkins_restarted: z
    .literal(true)
    .optional()
    .describe(
      "the check-ins come again from the start (one committed late below the device's position, or one was " +
        'annulled): forget the ones kept, so an undone check-in no longer answers "already checked in" offline',
    ),
});
export type OfflineTickets = z.infer<typeof OfflineTickets>;

// ---------------------------------------------------------------- conflicts

export const CONFLICT_KINDS = [
  'duplicate',
  'not-issued',
  // issue 16: a scan admitted offline that a gate rule of its list refuses
  'cancelled',
  'wrong-type',
  'not-open',
  'closed',
  'already-inside',
  'not-inside',
  'full',
] as const;
export type ConflictKind = (typeof CONFLICT_KINDS)[number];

export const CheckinConflict = z.object({
  conflict_id: z.string(),
  kind: z
    .enum(CONFLICT_KINDS)
    .describe('duplicate: another scan checked the ticket in first; not-issued: the event never issued it'),
  event_id: z.string(),
  ticket_id: z.string(),
  holder_name: z.string().nullable(),
  first: z
    .object({
      checkin_id: z.string(),
      checked_in_by: z.string(),
      location: z.string().nullable(),
      checked_in_at: IsoTime,
      scanned_at: IsoTime.nullable(),
    })
    .nullable()
    .describe('the check-in that counts (null for not-issued)'),
  second: z
    .object({
      checked_in_by: z.string(),
      location: z.string().nullable(),
      scanned_at: IsoTime.nullable(),
      received_at: IsoTime,
      idempotency_key: z.string().nullable().describe("the uploading scan's key: a station finds its own scans by it"),
    })
    .describe('the scan admitted offline that came too late (or for a ticket never issued)'),
  handled: z
    .object({ by: z.string(), at: IsoTime })
    .optional()
    .describe('who marked it handled, and when (absent while it is open)'),
  list_id: z.string().optional().describe('only for a list other than "main"'),
  resolution: z.enum(['kept', 'annulled']).optional().describe('how a supervisor resolved it (issue 16)'),
});
export type CheckinConflict = z.infer<typeof CheckinConflict>;

export const ConflictList = z.object({
  event_id: z.string(),
  total: z.number().int(),
  conflicts: z.array(CheckinConflict).describe('newest first'),
  next_cursor: z.string().nullable().describe('null on the last page'),
});
export type ConflictList = z.infer<typeof ConflictList>;

export const ConflictParams = z.object({ id: Id, conflict_id: z.string().regex(/^\d{1,19}$/) });

// ---------------------------------------------------------------- the queue upload (portal)

/** One queued scan of POST /api/checkins/batch: a POST /api/checkins body with its Idempotency-Key. */
export const PortalBatchItem = CheckinBody.extend({
  idempotency_key: IdempotencyKey.describe("the key the device made for this scan (also its online try's key)"),
});
export type PortalBatchItem = z.infer<typeof PortalBatchItem>;

/** The documented body of POST /api/checkins/batch. */
export const PortalBatchBody = z.object({
  checkins: z.array(PortalBatchItem).min(1).max(MAX_CHECKINS_PER_BATCH),
});
export type PortalBatchBody = z.infer<typeof PortalBatchBody>;

/** One scan's answer, as POST /api/checkins would answer it. */
export const PortalBatchResult = z.object({
  status: z.number().int().describe('201, 409, 404, 422, 401 or 429'),
  body: z.union([
    PortalCheckin,
    DuplicateCheckin,
    CheckinNotFound.describe(
      '404 (other_event: the code is a ticket of that event), 401; a 429 adds retry_after (seconds)',
    ),
    ValidationErrorBody,
  ]),
});
export type PortalBatchResult = z.infer<typeof PortalBatchResult>;

export const PortalBatchResults = z.object({ results: z.array(PortalBatchResult).describe('in item order') });
export type PortalBatchResults = z.infer<typeof PortalBatchResults>;
