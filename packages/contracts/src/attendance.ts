// Bodies of the attendance API (spec: attendance): check-ins, attendance lists, events, tickets.
import { z } from 'zod';
import {
  BodyId,
  ErrorBody,
  hasControlCharacters,
  Id,
  IsoTime,
  line,
  paragraph,
  RequestId,
  refusal,
  ValidationErrorBody,
} from './common.js';
import { DIRECTIONS } from './gate-rules.js';

/** Maximum lengths of free-text fields (spec: text fields have sensible maximum lengths). */
export const TEXT_LIMITS = {
  title: 200,
  description: 5000,
  location: 200,
  /**
   * A check-in's location (the gate): stats carry gate names to every dashboard each second, so a
   * name is short (issue 15, item 11); an event's own location keeps `location`.
   */
  gate: 100,
  holderName: 200,
  holderEmail: 254,
  ticketType: 50,
  reason: 500,
} as const;

/** Page sizes of every paged attendance/ticket listing. */
export const PAGE_LIMITS = { default: 100, max: 10_000 } as const;

/**
 * Check-ins embedded in an event summary by default: the summary is what dashboards poll, so
 * it carries the latest few, not a page to read through (GET /events/{id}/attendance is).
 */
export const SUMMARY_PAGE_DEFAULT = 20;

/** At most this many tickets are issued by one request (one transaction). */
export const MAX_TICKETS_PER_REQUEST = 100_000;

// ---------------------------------------------------------------- check-ins

/** When a device scanned a code (it may upload the scan hours later, from its offline queue). */
export const ScanTime = z.iso
  .datetime({ offset: true })
  .describe(
    'ISO-8601 with an offset (Z or ±hh:mm): when the device scanned the code. At most 2 minutes ahead of ' +
      "the server's clock and at most OFFLINE_SCAN_MAX_AGE_HOURS (default 72) old, else a 422",
  );

export const CheckinBody = z.object({
  event_id: BodyId,
  ticket_id: BodyId,
  location: line(TEXT_LIMITS.gate).nullish(),
  scanned_at: ScanTime.nullish(),
  admitted_offline: z
    .boolean()
    .optional()
    .describe(
      'true: the device already let the person in while offline. If the ticket turns out checked in by ' +
        'another scan, or not issued, a conflict is recorded for a supervisor and the 409/404 says ' +
        '"conflict": true. Not part of the request\'s identity for its Idempotency-Key: the online try ' +
        'and the later upload of one scan may differ in it',
    ),
  list_id: Id.optional().describe('the check-in list (area, day) the scan is for; default "main", the compat rule'),
  direction: z
    .enum(DIRECTIONS)
    .optional()
    .describe('entry (default) or exit: an exit of a ticket that is inside answers 201 "checked_out"'),
  override: z
    .boolean()
    .optional()
    .describe('a supervisor or admin lets the person into a full list anyway (recorded as overridden)'),
  device_id: line(100).nullish().describe("the scanning device's id, kept in the ticket's history"),
});
export type CheckinBody = z.infer<typeof CheckinBody>;

/** POST /events/{id}/checkins: the event comes from the path. */
export const EventCheckinBody = CheckinBody.omit({ event_id: true });
export type EventCheckinBody = z.infer<typeof EventCheckinBody>;

/** A client-chosen key that makes a retried check-in replay the first answer (spec: idempotency). */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** Loose: Fastify replaces request.headers with the parsed value, which must keep every header. */
export const IdempotencyHeaders = z.looseObject({ 'idempotency-key': IdempotencyKey.optional() });

export const CheckinRecord = z.object({
  event_id: z.string(),
  ticket_id: z.string(),
  checked_in_by: z.string(),
  checked_in_at: IsoTime,
  checkin_id: z.string(),
  location: z.string().nullable(),
  scanned_at: IsoTime.optional().describe('when the device scanned the code; only on check-ins that gave one'),
  list_id: z.string().optional().describe('only on scans of a list other than "main"'),
  direction: z.enum(DIRECTIONS).optional().describe('only on exits ("exit")'),
  overridden: z.literal(true).optional().describe('a supervisor let the person into a full list'),
});
export type CheckinRecord = z.infer<typeof CheckinRecord>;

export const CheckinCreated = z.object({
  status: z.enum(['checked_in', 'checked_out']).describe('checked_out: an exit (direction "exit")'),
  record: CheckinRecord,
});
export type CheckinCreated = z.infer<typeof CheckinCreated>;

/** The registered event that did issue a code refused as "Ticket not found for this event". */
export const OtherEvent = z.object({ id: z.string(), title: z.string() });
export type OtherEvent = z.infer<typeof OtherEvent>;

/** 404 of a check-in: the ticket rule refused the code (or the event is not registered). */
export const CheckinNotFound = ErrorBody.extend({
  other_event: OtherEvent.optional().describe(
    'with "Ticket not found for this event": the code is an issued ticket of this other registered event ' +
      '(the most recently created one, if several), so the gate can say "not for this event"',
  ),
  conflict: z
    .literal(true)
    .optional()
    .describe('the scan was admitted offline (admitted_offline): recorded as a conflict for a supervisor'),
});
export type CheckinNotFound = z.infer<typeof CheckinNotFound>;

/**
 * 409: the ticket was already checked in; `record` tells when, by whom and where. A scan a gate rule refused
 * says which (`refusal`; issue 16): cancelled (with the reason), a type or time the list does not take, not
 * inside (an exit), already inside, a full list.
 */
export const DuplicateCheckin = z.object({
  detail: z.string(),
  record: CheckinRecord.optional().describe(
    'the earlier check-in (compat: always there for "Ticket already checked in")',
  ),
  refusal: z
    .enum(['cancelled', 'wrong-type', 'not-open', 'closed', 'already-used', 'already-inside', 'not-inside', 'full'])
    .optional()
    .describe('which gate rule refused (absent on the compat duplicate of the list "main")'),
  cancel_reason: z.string().nullable().optional().describe('with refusal "cancelled": why the admin cancelled it'),
  ticket_type: z.string().optional().describe("the ticket's type, when it has one"),
  conflict: z
    .literal(true)
    .optional()
    .describe('the scan was admitted offline (admitted_offline): recorded as a conflict for a supervisor'),
});

// ---------------------------------------------------------------- check-in batches (new)

/** Most check-ins in one POST /checkins/batch (about 1 KiB each at most: far below the 1 MiB body limit). */
export const MAX_CHECKINS_PER_BATCH = 200;

/**
 * One check-in of a batch: a POST /checkins body plus what that request carries in its headers.
 * Each item is checked in as its own token's subject, so a batch may carry scans of many gates.
 */
export const CheckinBatchItem = CheckinBody.extend({
  token: z.string().min(1).max(4096).describe('the access token of the person scanning (checked_in_by is its sub)'),
  idempotency_key: IdempotencyKey.describe(
    "as the Idempotency-Key header of POST /checkins, scoped to the token's user: required, so a batch is safe to retry",
  ),
  registered_event_only: z
    .boolean()
    .optional()
    .describe('true: checked in as POST /events/{event_id}/checkins does (an unregistered event is 404)'),
  request_id: RequestId.optional().describe(
    "the X-Request-Id of this check-in's own request (the portal's): every log line about the item carries it",
  ),
  client_address: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe(
      "the address of the device that scanned, as a gateway (the portal) saw it: counted against that address's " +
        'check-in limit when the batch comes from an address TRUST_PROXY names, ignored otherwise',
    ),
});
export type CheckinBatchItem = z.infer<typeof CheckinBatchItem>;

/** Most keys in one POST /checkins/delivered. */
export const MAX_DELIVERED_KEYS = 1000;

/**
 * POST /checkins/delivered (gateways only): the keys a gateway made for key-less callers whose
 * answers it delivered. Until then a key-less retry of the same scan through another gateway is
 * answered as the first request was, not as "already checked in" (issue 18, item 5).
 */
export const DeliveredKeys = z.object({
  keys: z
    .array(
      z.object({
        owner: z.string().uuid().describe("the caller's account id (the token's uid)"),
        key: z.string().startsWith('gw:').max(200).describe('the key the gateway made, gw:…'),
      }),
    )
    .min(1)
    .max(MAX_DELIVERED_KEYS),
});
export type DeliveredKeys = z.infer<typeof DeliveredKeys>;

/** The documented body of POST /checkins/batch. */
export const CheckinBatchBody = z.object({
  checkins: z.array(CheckinBatchItem).min(1).max(MAX_CHECKINS_PER_BATCH),
});
export type CheckinBatchBody = z.infer<typeof CheckinBatchBody>;

/**
 * What POST /checkins/batch validates up front: the list and its length. Each item is validated
 * on its own, so one bad item is a 422 for that item, not for the batch.
 */
export const CheckinBatchEnvelope = z.object({
  checkins: z.array(z.unknown()).min(1).max(MAX_CHECKINS_PER_BATCH),
});
export type CheckinBatchEnvelope = z.infer<typeof CheckinBatchEnvelope>;

/** One item's answer: the status and body POST /checkins (or POST /events/{id}/checkins) would answer. */
export const CheckinBatchResult = z.object({
  status: z.number().int().describe('201, 409, 404, 401, 422 or 429'),
  body: z.union([CheckinCreated, DuplicateCheckin, CheckinNotFound, ErrorBody, ValidationErrorBody]),
  retry_after: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("with a 429: seconds until the item's user may check in again (the Retry-After of a single request)"),
});
export type CheckinBatchResult = z.infer<typeof CheckinBatchResult>;

/** 200 of POST /checkins/batch: one result per item, in item order. */
export const CheckinBatchResults = z.object({ results: z.array(CheckinBatchResult) });
export type CheckinBatchResults = z.infer<typeof CheckinBatchResults>;

// ---------------------------------------------------------------- listings

/** An opaque position in a listing, returned as `next_cursor`. */
export const Cursor = z
  .string()
  .min(1)
  .max(600)
  .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor returned by this API');

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(PAGE_LIMITS.max).optional(),
  cursor: Cursor.optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

export const EventIdParams = z.object({ event_id: Id });
export const IdParams = z.object({ id: Id });

export const AttendanceList = z.object({
  event_id: z.string(),
  total_checked_in: z.number().int(),
  records: z.array(CheckinRecord),
  next_cursor: z.string().nullable().optional().describe('present when paged: null on the last page'),
});
export type AttendanceList = z.infer<typeof AttendanceList>;

/**
 * The full list as newline-delimited JSON (new: `Accept: application/x-ndjson` on the full list):
 * a first line `AttendanceListHead`, then one `CheckinRecord` per line, oldest first. Made for
 * readers that map records one by one (the portal) instead of parsing one large document.
 */
export const NDJSON_TYPE = 'application/x-ndjson';

export const AttendanceListHead = AttendanceList.pick({ event_id: true, total_checked_in: true });
export type AttendanceListHead = z.infer<typeof AttendanceListHead>;

/**
 * GET /attendance/{event_id}: paging, and for the NDJSON form the records' view. `portal` gives each
 * record in the portal's shape (PortalAttendanceCheckin: checkin_id, ticket_id, user_id, checkin_time,
 * location), so the gateway streams the bytes through without parsing 20,000 records per reader.
 */
export const AttendanceQuery = PageQuery.extend({
  view: z
    .enum(['portal'])
    .optional()
    .describe("with Accept: application/x-ndjson: 'portal' sends the records in the portal's shape"),
});
export type AttendanceQuery = z.infer<typeof AttendanceQuery>;

/**
 * Columns of the attendance CSV export, in order (GET /events/{id}/attendance.csv). checked_in_at is
 * when attendance received the scan, scanned_at when the device made it (empty when it gave none).
 */
export const ATTENDANCE_CSV_COLUMNS = [
  'ticket_id',
  'holder_name',
  'checked_in_at',
  'scanned_at',
  'checked_in_by',
  'location',
  'checkin_id',
] as const;

export const MyCheckinsQuery = PageQuery.extend({ event_id: Id.optional() });

export const MyCheckins = z.object({
  user_id: z.string(),
  checkins: z.array(CheckinRecord),
  next_cursor: z.string().nullable().describe('null on the last page'),
});
export type MyCheckins = z.infer<typeof MyCheckins>;

// ---------------------------------------------------------------- events

/** Accepts ISO-8601 with or without an offset; a time without one is taken as UTC. */
export const EventTime = z.iso
  .datetime({ offset: true, local: true })
  .describe('ISO-8601 time; without an offset it is taken as UTC');

/** True for an IANA time zone name this runtime knows ("Asia/Jakarta"). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone (the event's local time for its exports). */
export const TimeZone = z
  .string()
  .max(64)
  .refine(isTimeZone, refusal('must be a time zone such as Asia/Jakarta', 'time_zone'))
  .describe('IANA time zone, e.g. Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)');

/** Most gates one event defines. */
export const EVENT_GATES_MAX = 50;

/** An event's gate names: each non-blank, none twice (in any case: "Gerbang Utara" is "gerbang utara"). */
export const EventGates = z
  .array(line(TEXT_LIMITS.gate).refine((value) => value.trim() !== '', refusal('must not be blank', 'blank')))
  .max(EVENT_GATES_MAX)
  .refine(
    (gates) => new Set(gates.map((gate) => gate.trim().toLocaleLowerCase())).size === gates.length,
    refusal('must not name a gate twice', 'duplicate_gate'),
  );

const eventFields = {
  title: line(TEXT_LIMITS.title).refine((value) => value.trim() !== '', refusal('must not be blank', 'blank')),
  description: paragraph(TEXT_LIMITS.description).nullish(),
  location: line(TEXT_LIMITS.location).nullish(),
  start_time: EventTime.nullish(),
  end_time: EventTime.nullish(),
  capacity: z.number().int().min(0).max(10_000_000).nullish(),
  time_zone: TimeZone.nullish().describe("the event's time zone for its exports (null: the server's)"),
  gates: EventGates.nullish().describe("the event's gates, which its stations pick from (null or []: none defined)"),
};

export const CreateEventBody = z.object({ id: BodyId.optional(), ...eventFields });
export type CreateEventBody = z.infer<typeof CreateEventBody>;

// Partial update: an absent field is kept, null clears an optional field; the title can
// only be replaced, never cleared (compat fix: the original stored a null title and then
// answered 500 on every later list).
export const UpdateEventBody = z.object({ ...eventFields, title: eventFields.title.optional() });
export type UpdateEventBody = z.infer<typeof UpdateEventBody>;

export const Event = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  location: z.string().nullable(),
  start_time: IsoTime.nullable(),
  end_time: IsoTime.nullable(),
  created_by: z.string(),
  created_at: IsoTime,
  capacity: z.number().int().nullable(),
  time_zone: z.string().optional().describe("the event's time zone, when one was set (else the server's)"),
  gates: z.array(z.string()).optional().describe("the event's gates, when it defines them"),
});
export type Event = z.infer<typeof Event>;

export const EventList = z.array(Event);

/** GET /events/{id}/export (new): who arrived or who has not yet, as CSV or .xlsx, in the UI's language. */
export const ExportQuery = z.object({
  format: z.enum(['csv', 'xlsx']).optional().describe('csv (default) or xlsx'),
  list: z
    .enum(['arrived', 'absent', 'history'])
    .optional()
    .describe(
      'arrived (default): the check-ins; absent: tickets not yet in; history: every scan attempt ' +
        '(admitted, refused and why, exits, undone, overridden, cancellations) with who, when, gate and device',
    ),
  lang: z.enum(['id', 'en']).optional().describe('the language of the headers and words (default id)'),
});
export type ExportQuery = z.infer<typeof ExportQuery>;

export const DeleteEventQuery = z.object({
  force: z.enum(['true', 'false', '1', '0']).optional().describe('also delete the check-ins and tickets'),
});

export const EventDeleted = z.object({ status: z.literal('deleted'), event_id: z.string() });

/** The registration stats of the summary: issued tickets, else the capacity, else 0 (then 0 %). */
export const RegistrationStats = z.object({
  total_registered: z.number().int(),
  total_checked_in: z.number().int(),
  checkin_percentage: z.number().describe('0-100 with two decimals; 0 when nothing is registered'),
});
export type RegistrationStats = z.infer<typeof RegistrationStats>;

export const SummaryQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000)
    .optional()
    .describe(`check-ins in the first page (default ${SUMMARY_PAGE_DEFAULT})`),
});

export const EventSummary = z.object({
  event: Event,
  attendance: AttendanceList,
  stats: RegistrationStats,
});
export type EventSummary = z.infer<typeof EventSummary>;

// ---------------------------------------------------------------- tickets

/** A note for the gate on an attention ticket (issue 17 item 9): the station stops until the gate confirms it. */
export const TicketNote = line(200).describe(
  'attention: a note the gate must confirm ("check ID", "VIP: call a supervisor"); null: none',
);

export const TicketInput = z.object({
  ticket_id: BodyId.optional(),
  holder_name: line(TEXT_LIMITS.holderName).nullish(),
  holder_email: line(TEXT_LIMITS.holderEmail).nullish(),
  type: line(TEXT_LIMITS.ticketType)
    .nullish()
    .describe('the ticket type (issue 16), e.g. VIP; a list may admit only some'),
  note: TicketNote.nullish(),
});
export type TicketInput = z.infer<typeof TicketInput>;

// Either `count` (generate codes) or `tickets` (given, each code optional). One object rather
// than a union, so that a bad field deep in `tickets` is reported at its own path.
export const IssueTicketsBody = z
  .object({
    count: z.number().int().min(1).max(MAX_TICKETS_PER_REQUEST).optional(),
    type: line(TEXT_LIMITS.ticketType).nullish().describe('with count: the type of every generated ticket'),
    tickets: z.array(TicketInput).min(1).max(MAX_TICKETS_PER_REQUEST).optional(),
  })
  .strict()
  .refine(
    (body) => (body.count === undefined) !== (body.tickets === undefined),
    refusal('give either count or tickets', 'count_or_tickets'),
  )
  .describe(
    'JSON {"count": n} or {"tickets": [...]}; or a text/csv body with the header ticket_id,holder_name,holder_email',
  );
export type IssueTicketsBody = z.infer<typeof IssueTicketsBody>;

export const IssuedTicket = z.object({
  ticket_id: z.string(),
  holder_name: z.string().nullable(),
  holder_email: z.string().nullable(),
  type: z.string().optional().describe('only on a ticket that has a type'),
  note: z.string().optional().describe("only on an attention ticket: the gate's note"),
});
export type IssuedTicket = z.infer<typeof IssuedTicket>;

export const TicketsIssued = z.object({ created: z.number().int(), tickets: z.array(IssuedTicket) });
export type TicketsIssued = z.infer<typeof TicketsIssued>;

export const TicketState = IssuedTicket.extend({
  checked_in: z.boolean(),
  checked_in_at: IsoTime.nullable(),
  checked_in_by: z.string().nullable(),
  location: z.string().nullable(),
  cancelled_at: IsoTime.optional().describe('only on a cancelled ticket'),
  cancel_reason: z.string().nullable().optional().describe('only on a cancelled ticket'),
});
export type TicketState = z.infer<typeof TicketState>;

export const TicketList = z.object({
  event_id: z.string(),
  total: z.number().int(),
  tickets: z.array(TicketState),
  next_cursor: z.string().nullable(),
});
export type TicketList = z.infer<typeof TicketList>;

/** The orders of an event's ticket list: by code, or as issued (the order of an import's lines). */
export const TICKET_SORTS = ['code', 'import'] as const;

export const TicketListQuery = PageQuery.extend({
  sort: z.enum(TICKET_SORTS).optional().describe('code (default) or import: the order the tickets were issued in'),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine(
      (value) => !hasControlCharacters(value),
      refusal('must not contain control characters', 'control_characters'),
    )
    .optional()
    .describe('part of a ticket code, holder name or e-mail (case-insensitive)'),
});
export type TicketListQuery = z.infer<typeof TicketListQuery>;

/** PATCH /events/{id}/tickets/{ticket_id}: a holder's name or e-mail corrected (null clears it). */
export const UpdateTicketBody = z
  .object({
    holder_name: line(TEXT_LIMITS.holderName).nullable().optional(),
    holder_email: line(TEXT_LIMITS.holderEmail).nullable().optional(),
    note: TicketNote.nullable().optional(),
  })
  .strict();
export type UpdateTicketBody = z.infer<typeof UpdateTicketBody>;

export const TicketParams = z.object({ id: Id, ticket_id: Id });

/**
 * A note for the gate on every ticket of a type (issue 17 item 9: "VIP: call a supervisor"). A ticket of the type
 * with its own note shows both, the type's first.
 */
export const TicketTypeNoteBody = z.object({
  type: line(TEXT_LIMITS.ticketType)
    .refine((value) => value.trim() !== '', refusal('must not be blank', 'blank'))
    .describe('the ticket type, as the tickets carry it (e.g. VIP)'),
  note: TicketNote.nullable().describe('the note for every ticket of the type; null or empty: none'),
});
export type TicketTypeNoteBody = z.infer<typeof TicketTypeNoteBody>;

export const TicketTypeNote = z.object({
  type: z.string(),
  tickets: z.number().int().describe("the event's tickets of this type"),
  note: z.string().nullable(),
});
export type TicketTypeNote = z.infer<typeof TicketTypeNote>;

export const TicketTypeNotes = z.object({
  event_id: z.string(),
  types: z.array(TicketTypeNote).describe("the event's ticket types (and any type with a note), by name"),
});
export type TicketTypeNotes = z.infer<typeof TicketTypeNotes>;

// ---------------------------------------------------------------- dashboard and event page (new)

/**
 * Shortest search string: shorter ones match a large part of an event and give the trigram index
 * (see migration 003) nothing to look up.
 */
export const SEARCH_MIN_LENGTH = 3;

/** A substring to look for in ticket codes and holder names, case-insensitively; blanks around it are dropped. */
export const SearchText = z
  .string()
  .trim()
  .min(SEARCH_MIN_LENGTH)
  .max(TEXT_LIMITS.holderName)
  .refine(
    (value) => !hasControlCharacters(value),
    refusal('must not contain control characters', 'control_characters'),
  );

/** One gate's lane over the last LANE_WINDOW_MINUTES (see services/attendance/src/checkins/lane-throughput.ts). */
export const Lane = z.object({
  location: z.string().nullable().describe('the gate (null: check-ins without one)'),
  per_minute: z.number().describe('scans per minute over the window (the time at the gate)'),
  previous_per_minute: z.number().describe('scans per minute over the window before it'),
  trend: z.enum(['up', 'down', 'steady']),
  last_scan_at: IsoTime.describe('start of the minute of its latest scan'),
  idle: z.boolean().describe('no scan for LANE_IDLE_MINUTES or more'),
});
export type Lane = z.infer<typeof Lane>;

export const Lanes = z.object({
  window_minutes: z.number().int(),
  at: IsoTime.describe('when the lanes were measured'),
  lanes: z
    .array(Lane)
    .describe('gates with a scan in the last hour, busiest first: at most LANE_MAX_LISTED, the rest in `other`'),
  other: z
    .object({ lanes: z.number().int(), per_minute: z.number() })
    .nullable()
    .describe('the gates past the listed ones, together'),
  remaining: z.number().int().nullable().describe('registered − checked in (null: nothing registered)'),
  per_minute: z.number().describe('arrivals per minute over the window, all gates'),
  active_lanes: z.number().int().describe('gates that are not idle'),
  minutes_to_clear: z
    .number()
    .nullable()
    .describe('remaining ÷ per_minute: the time the current lanes need at their measured pace (null: no pace)'),
  minutes_to_start: z.number().nullable().describe('until the event starts (null: no start time, or started)'),
  more_lanes_needed: z
    .number()
    .int()
    .describe('lanes to open so the rest is in by the start, at the current lanes’ average pace (0: enough)'),
});
export type Lanes = z.infer<typeof Lanes>;

export const OverviewEvent = z.object({
  id: z.string(),
  title: z.string(),
  start_time: IsoTime.nullable(),
  end_time: IsoTime.nullable(),
  location: z.string().nullable(),
  ...RegistrationStats.shape,
  lanes: Lanes.nullable()
    .optional()
    .describe('for an event on now (from 12 h before its start to its end, or 12 h after a start without one)'),
});
export type OverviewEvent = z.infer<typeof OverviewEvent>;

/** 200 of GET /overview: every registered event with its stats, in the order of GET /events. */
export const Overview = z.object({ events: z.array(OverviewEvent) });
export type Overview = z.infer<typeof Overview>;

/** A check-in with the holder of its ticket (null: no ticket issued, or issued without a name). */
export const EventCheckin = CheckinRecord.extend({ holder_name: z.string().nullable() });
export type EventCheckin = z.infer<typeof EventCheckin>;

/** Widths of the timeline's buckets, in minutes. */
export const STATS_BUCKET_MINUTES = ['5', '15', '60'] as const;

/**
 * Most gates one stats answer lists by name (issue 15, item 11): 3,000 distinct names grew every
 * answer, pushed to every dashboard each second, from 164 B to 685 KB. The rest are summed.
 */
export const STATS_GATES_MAX = 50;

/** Most latest check-ins one stats answer carries. */
export const STATS_LATEST_MAX = 50;

export const EventStatsQuery = z.object({
  bucket: z.enum(STATS_BUCKET_MINUTES).optional().describe('timeline bucket width in minutes (default 5)'),
  latest: z.coerce
    .number()
    .int()
    .min(0)
    .max(STATS_LATEST_MAX)
    .optional()
    .describe('how many of the newest check-ins to include (default 0)'),
});
export type EventStatsQuery = z.infer<typeof EventStatsQuery>;

export const TimelineBucket = z.object({
  start: IsoTime.describe('start of the bucket (UTC, aligned to whole multiples of the width since 2000-01-01)'),
  count: z.number().int(),
});
export type TimelineBucket = z.infer<typeof TimelineBucket>;

export const GateCount = z.object({
  location: z.string().nullable().describe('the check-ins’ location; null for those without one'),
  count: z.number().int(),
  inside: z
    .number()
    .int()
    .describe('of those check-ins, the people inside now: not gone out since, at whichever gate (issue 16)'),
});
export type GateCount = z.infer<typeof GateCount>;

/** 200 of GET /events/{id}/stats: counted by attendance in SQL, one snapshot for every number. */
export const EventStats = z.object({
  event_id: z.string(),
  ...RegistrationStats.shape,
  bucket_minutes: z.number().int(),
  timeline: z
    .array(TimelineBucket)
    .describe(
      'check-ins per bucket of the time the person was at the gate (the device scan time where there is one, ' +
        'else the time attendance received the scan), oldest first; only buckets with check-ins (a gap means none)',
    ),
  gates: z
    .array(GateCount)
    .describe('check-ins per location, most first: at most STATS_GATES_MAX (50), the rest in other_gates'),
  other_gates: z
    .object({
      gates: z.number().int().describe('how many locations are past the listed ones'),
      count: z.number().int().describe('their check-ins together'),
      inside: z.number().int().describe('of those, the people inside now'),
    })
    .nullable()
    .describe('the locations past the listed ones, together (null: every location is listed)'),
  latest: z.array(EventCheckin).describe('the newest check-ins to arrive, newest first (as many as `latest` asked)'),
  conflicts: z
    .number()
    .int()
    .describe(
      "the event's conflicts: scans admitted offline that did not count (listed by GET /events/{id}/conflicts)",
    ),
  lanes: Lanes.describe('the gates’ throughput now and the queue (issue 17: live lanes)'),
  inside: z.number().int().describe('people inside now through the list main: checked in less exits (issue 16)'),
  lists: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        capacity: z.number().int().nullable(),
        checked_in: z.number().int(),
        inside: z.number().int(),
      }),
    )
    .describe('every check-in list, main first, with its admissions and who is inside now'),
});
export type EventStats = z.infer<typeof EventStats>;

/** Page sizes of the event page's check-in list: a screenful, not an export. */
export const EVENT_CHECKIN_LIMITS = { default: 50, max: 500 } as const;

export const EventCheckinsQuery = z.object({
  q: SearchText.optional().describe(`part of a ticket code or holder name (at least ${SEARCH_MIN_LENGTH} characters)`),
  gate: line(TEXT_LIMITS.gate).min(1).optional().describe('only check-ins at exactly this location'),
  limit: z.coerce.number().int().min(1).max(EVENT_CHECKIN_LIMITS.max).optional(),
  cursor: Cursor.optional(),
});
export type EventCheckinsQuery = z.infer<typeof EventCheckinsQuery>;

/** 200 of GET /events/{id}/checkins: one page, newest first by arrival (the order attendance received them). */
export const EventCheckinList = z.object({
  event_id: z.string(),
  records: z.array(EventCheckin),
  next_cursor: z.string().nullable().describe('the next (older) page; null on the last page'),
});
export type EventCheckinList = z.infer<typeof EventCheckinList>;

/** Most tickets one manual lookup answers with: a person picks from a short list. */
export const TICKET_SEARCH_LIMIT = 20;

export const TicketSearchQuery = z.object({
  q: SearchText.describe(`part of a ticket code or holder name (at least ${SEARCH_MIN_LENGTH} characters)`),
});

/** 200 of GET /events/{id}/tickets/search. */
/** A ticket found by the manual lookup: its state, and its admission to the list main (to undo it, issue 16). */
export const TicketSearchHit = TicketState.extend({
  checkin_id: z.string().nullable().describe('the admission to the list main that counts (null: none)'),
  exited: z.boolean().describe('the holder went out through the list main since'),
});
export type TicketSearchHit = z.infer<typeof TicketSearchHit>;

export const TicketSearchResult = z.object({
  event_id: z.string(),
  tickets: z.array(TicketSearchHit),
  more: z.boolean().describe(`true when more than ${TICKET_SEARCH_LIMIT} tickets match: the search should be narrower`),
});
export type TicketSearchResult = z.infer<typeof TicketSearchResult>;
