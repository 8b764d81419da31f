// Tickets in SQL: issuing a batch all-or-nothing, paging an event's tickets with their check-in state, finding a code's other event.
import type { IssuedTicket, OtherEvent, TicketInput, TicketState } from '@tixgo/contracts';
import { httpErrors } from '@tixgo/platform';
import type pg from 'pg';
import { EVENT_NOT_FOUND } from '../events/events-repository.js';
import { containsPattern } from '../like-pattern.js';
import { generateTicketCodes } from './ticket-codes.js';

/** At most this many offending ids are named in a 409. */
const MAX_NAMED = 20;

function duplicatesWithin(ids: string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) repeated.add(id);
    seen.add(id);
  }
  return [...repeated];
}

const conflict = (detail: string, duplicates: string[]) =>
  httpErrors.conflict(detail, { duplicates: duplicates.slice(0, MAX_NAMED), duplicate_count: duplicates.length });

/**
 * Issues tickets for an event in one transaction: all of them or none. Inputs without a
 * ticket_id get a generated code. Ids repeated in the batch or already issued for the event
 * are a 409 naming them. The event row is locked first, so concurrent batches for one event
 * run one after the other and the event's ticket count stays exact.
 */
export async function issueTickets(db: pg.Pool, eventId: string, inputs: TicketInput[]): Promise<IssuedTicket[]> {
  const given = inputs.flatMap((input) => (input.ticket_id === undefined ? [] : [input.ticket_id]));
  const repeated = duplicatesWithin(given);
  if (repeated.length > 0) throw conflict('Duplicate ticket ids in the request', repeated);

  const reserved = new Set(given);
  const tickets: IssuedTicket[] = inputs.map((input) => ({
    ticket_id: input.ticket_id ?? '',
    holder_name: input.holder_name ?? null,
    holder_email: input.holder_email ?? null,
    // Only a ticket with a type says so (compat: the answer of an untyped import is as it was).
    ...(input.type !== undefined && input.type !== null && { type: input.type }),
    ...(input.note !== undefined && input.note !== null && input.note.trim() !== '' && { note: input.note.trim() }),
  }));
  const generatedAt = tickets.flatMap((ticket, index) => (ticket.ticket_id === '' ? [index] : []));
  const assignCodes = (positions: number[]) => {
    const codes = generateTicketCodes(positions.length).filter((code) => !reserved.has(code));
    while (codes.length < positions.length) codes.push(...generateTicketCodes(positions.length - codes.length));
    positions.forEach((position, index) => {
      const code = codes[index] as string;
      reserved.add(code);
      (tickets[position] as IssuedTicket).ticket_id = code;
    });
  };
  assignCodes(generatedAt);

  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rowCount } = await client.query('SELECT 1 FROM events WHERE id = $1 FOR UPDATE', [eventId]);
    if (rowCount === 0) throw httpErrors.notFound(EVENT_NOT_FOUND);

    // Generated codes colliding with earlier ones (60 random bits: practically never) are drawn again.
    const generated = new Set(generatedAt);
    for (;;) {
      const { rows } = await client.query<{ ticket_id: string }>(
        'SELECT ticket_id FROM tickets WHERE event_id = $1 AND ticket_id = ANY($2::text[])',
        [eventId, tickets.map((ticket) => ticket.ticket_id)],
      );
      if (rows.length === 0) break;
      const taken = new Set(rows.map((row) => row.ticket_id));
      const givenTaken = given.filter((id) => taken.has(id));
      if (givenTaken.length > 0) throw conflict('Tickets already issued for this event', givenTaken);
      assignCodes([...generated].filter((position) => taken.has((tickets[position] as IssuedTicket).ticket_id)));
    }

    await client.query(
      `INSERT INTO tickets (event_id, ticket_id, holder_name, holder_email, type, note)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
      [
        eventId,
        tickets.map((ticket) => ticket.ticket_id),
        tickets.map((ticket) => ticket.holder_name),
        tickets.map((ticket) => ticket.holder_email),
        tickets.map((ticket) => ticket.type ?? null),
        tickets.map((ticket) => ticket.note ?? null),
      ],
    );
    // The trigram index takes new entries into its pending list, which every search then reads
    // through (measured: a search at 100k just-imported tickets ~50-90 ms instead of ~1 ms). Merged
    // into the index here, once per import (~50 ms for 100k), so the gate's lookups stay fast.
    await client.query("SELECT gin_clean_pending_list('tickets_search_idx'::regclass)");
    await client.query('UPDATE events SET ticket_count = ticket_count + $2 WHERE id = $1', [eventId, tickets.length]);
    await client.query('COMMIT');
    return tickets;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Where a page of tickets starts: after a ticket id (by code) or after an issue position (as issued). */
export type TicketPageStart = { sort: 'code'; after: string } | { sort: 'import'; after: string };

const TICKET_STATE_COLUMNS = `t.ticket_id, t.holder_name, t.holder_email, c.checkin_id IS NOT NULL AS checked_in,
  iso_utc(c.checked_in_at) AS checked_in_at, c.checked_in_by, c.location, t.type,
  iso_utc(t.cancelled_at) AS cancelled_at, t.cancel_reason, t.note`;

type StoredTicketState = Omit<TicketState, 'type' | 'cancelled_at' | 'cancel_reason' | 'note'> & {
  type: string | null;
  note: string | null;
  cancelled_at: string | null;
  cancel_reason: string | null;
};

/** The wire state: type and cancellation only where there are (compat: other tickets answer as before). */
function ticketStateOf({ type, cancelled_at, cancel_reason, note, ...state }: StoredTicketState): TicketState {
  return {
    ...state,
    ...(type !== null && { type }),
    ...(note !== null && { note }),
    ...(cancelled_at !== null && { cancelled_at, cancel_reason }),
  };
}

/**
 * A page of an event's tickets with check-in state, by code or as issued (the order of an import's
 * lines: tickets.seq), after `start` (keyset), optionally only those whose code, holder name or e-mail
 * contains `search` (case-insensitive). Each row also carries its `seq` for the next cursor.
 */
export async function listTickets(
  db: pg.Pool,
  eventId: string,
  start: TicketPageStart,
  limit: number,
  search?: string,
): Promise<(TicketState & { seq: string })[]> {
  const byImport = start.sort === 'import';
  const filter =
    search === undefined ? '' : 'AND (t.ticket_id ILIKE $4 OR t.holder_name ILIKE $4 OR t.holder_email ILIKE $4)';
  const { rows } = await db.query<StoredTicketState & { seq: string }>({
    name: `list-tickets-${start.sort}-${search === undefined ? 'all' : 'search'}`,
    text: `SELECT ${TICKET_STATE_COLUMNS}, t.seq::text AS seq
           FROM tickets t
           LEFT JOIN checkins c ON c.event_id = t.event_id AND c.ticket_id = t.ticket_id
           WHERE t.event_id = $1 AND ${byImport ? 't.seq > $2::int8' : 't.ticket_id > $2'} ${filter}
           ORDER BY ${byImport ? 't.seq' : 't.ticket_id'} LIMIT $3`,
    values:
      search === undefined ? [eventId, start.after, limit] : [eventId, start.after, limit, containsPattern(search)],
  });
  return rows.map(({ seq, ...row }) => ({ ...ticketStateOf(row), seq }));
}

/** Corrects a ticket's holder name or e-mail; undefined when the event did not issue it. */
export async function updateTicketHolder(
  db: pg.Pool,
  eventId: string,
  ticketId: string,
  change: {
    holder_name?: string | null | undefined;
    holder_email?: string | null | undefined;
    note?: string | null | undefined;
  },
): Promise<TicketState | undefined> {
  if (change.note !== undefined) {
    // seq = DEFAULT: the ticket moves to the end of the download order, so every offline station's next "what
    // changed since" brings its new note (as a cancellation does).
    await db.query('UPDATE tickets SET seq = DEFAULT WHERE event_id = $1 AND ticket_id = $2', [eventId, ticketId]);
  }
  const { rows } = await db.query<StoredTicketState>({
    name: 'update-ticket-holder',
    text: `WITH t AS (
             UPDATE tickets SET
               holder_name = CASE WHEN $3::boolean THEN $4 ELSE holder_name END,
               holder_email = CASE WHEN $5::boolean THEN $6 ELSE holder_email END,
               note = CASE WHEN $7::boolean THEN nullif(btrim($8), '') ELSE note END
             WHERE event_id = $1 AND ticket_id = $2
             RETURNING *
           )
           SELECT ${TICKET_STATE_COLUMNS} FROM t
           LEFT JOIN checkins c ON c.event_id = t.event_id AND c.ticket_id = t.ticket_id`,
    values: [
      eventId,
      ticketId,
      change.holder_name !== undefined,
      change.holder_name ?? null,
      change.holder_email !== undefined,
      change.holder_email ?? null,
      change.note !== undefined,
      change.note ?? null,
    ],
  });
  return rows[0] && ticketStateOf(rows[0]);
}

/**
 * The registered event other than `eventId` that issued the code `ticketId` (the most recently
 * created, if several did), for a check-in refused as not issued. Through tickets_ticket_id_idx
 * (migration 005): a code is issued by a handful of events at most, so this reads a few entries.
 */
export async function findOtherEventOfTicket(
  db: pg.Pool,
  ticketId: string,
  eventId: string,
): Promise<OtherEvent | undefined> {
  const { rows } = await db.query<OtherEvent>({
    name: 'find-other-event-of-ticket',
    text: `SELECT e.id, e.title FROM tickets t JOIN events e ON e.id = t.event_id
           WHERE t.ticket_id = $1 AND t.event_id <> $2
           ORDER BY e.created_at DESC, e.id LIMIT 1`,
    values: [ticketId, eventId],
  });
  return rows[0];
}
