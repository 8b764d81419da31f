// Attention notes per ticket type (issue 17 item 9): SQL in, typed rows out.
import type { TicketTypeNote } from '@tixgo/contracts';
import type pg from 'pg';

/**
 * The event's ticket types with their counts and notes, by name: every type its tickets carry, and a type with a
 * note but no tickets yet (a note may be set before the tickets are imported).
 */
export async function readTypeNotes(db: pg.Pool, eventId: string): Promise<TicketTypeNote[]> {
  const { rows } = await db.query<{ type: string; tickets: string; note: string | null }>({
    name: 'read-ticket-type-notes',
    text: `SELECT coalesce(k.type, n.type) AS type, coalesce(k.tickets, 0)::text AS tickets, n.note
             FROM (SELECT type, count(*) AS tickets FROM tickets WHERE event_id = $1 AND type IS NOT NULL GROUP BY type) k
             FULL JOIN (SELECT type, note FROM ticket_type_notes WHERE event_id = $1) n ON n.type = k.type
            ORDER BY 1`,
    values: [eventId],
  });
  return rows.map((row) => ({ type: row.type, tickets: Number(row.tickets), note: row.note }));
}

/**
 * Sets (or, null or blank, clears) the note of a ticket type. Like a ticket's own note, a changed one reaches a
 * station with its next full download (set notes before the gates download).
 */
export async function setTypeNote(
  db: pg.Pool,
  eventId: string,
  type: string,
  note: string | null,
): Promise<TicketTypeNote> {
  const kept = note === null || note.trim() === '' ? null : note.trim();
  if (kept === null) {
    await db.query({
      name: 'clear-ticket-type-note',
      text: 'DELETE FROM ticket_type_notes WHERE event_id = $1 AND type = $2',
      values: [eventId, type],
    });
  } else {
    await db.query({
      name: 'set-ticket-type-note',
      text: `INSERT INTO ticket_type_notes (event_id, type, note) VALUES ($1, $2, $3)
             ON CONFLICT (event_id, type) DO UPDATE SET note = EXCLUDED.note`,
      values: [eventId, type, kept],
    });
  }
  const { rows } = await db.query<{ tickets: string }>({
    name: 'count-tickets-of-type',
    text: 'SELECT count(*)::text AS tickets FROM tickets WHERE event_id = $1 AND type = $2',
    values: [eventId, type],
  });
  return { type, tickets: Number(rows[0]?.tickets ?? 0), note: kept };
}
