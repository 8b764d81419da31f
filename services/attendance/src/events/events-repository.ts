// Events in SQL: create, read, partial update, delete (with their check-ins when forced).
import type { CreateEventBody, Event, UpdateEventBody } from '@tixgo/contracts';
import { isUniqueViolation } from '@tixgo/db';
import { httpErrors } from '@tixgo/platform';
import type pg from 'pg';
import { countCheckins } from '../checkins/checkins-repository.js';

/** An event as stored, with the count of its issued tickets. */
export interface EventRow extends Omit<Event, 'time_zone' | 'gates'> {
  ticket_count: number;
  time_zone: string | null;
  gates: string[] | null;
}

const EVENT_COLUMNS = `id, title, description, location, iso_utc(start_time) AS start_time,
  iso_utc(end_time) AS end_time, created_by, iso_utc(created_at) AS created_at, capacity, ticket_count, time_zone, gates`;

/** The wire event (drops the ticket count). */
export function toEvent(row: EventRow): Event {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    location: row.location,
    start_time: row.start_time,
    end_time: row.end_time,
    created_by: row.created_by,
    created_at: row.created_at,
    capacity: row.capacity,
    // Only when set: every event without one answers exactly as before.
    ...(row.time_zone !== null && { time_zone: row.time_zone }),
    ...(row.gates !== null && row.gates.length > 0 && { gates: row.gates }),
  };
}

/** A time from the API as an ISO string PostgreSQL reads unambiguously (no offset = UTC). */
export function normaliseTime(value: string | null | undefined): string | null | undefined {
  if (value === null || value === undefined) return value;
  return /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(value) ? value : `${value}Z`;
}

/**
 * A value the schema let through but PostgreSQL cannot store (a year 0, a time past its
 * range) is the client's mistake: 422, never a 500.
 */
function asClientError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('22')) {
    return httpErrors.unprocessable(`Invalid value: ${(error as Error).message}`);
  }
  return error;
}

function assertTimesInOrder(start: string | null | undefined, end: string | null | undefined): void {
  if (start && end && Date.parse(end) < Date.parse(start)) {
    throw httpErrors.unprocessable('end_time must not be before start_time');
  }
}

/** The 404 detail for anything asked of an event id that was never registered. */
export const EVENT_NOT_FOUND = 'Event not found';

/** The event `id`; a 404 when it was never registered. */
export async function getEvent(db: pg.Pool, id: string): Promise<EventRow> {
  const { rows } = await db.query<EventRow>({
    name: 'find-event',
    text: `SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1`,
    values: [id],
  });
  if (!rows[0]) throw httpErrors.notFound(EVENT_NOT_FOUND);
  return rows[0];
}

export async function listEvents(db: pg.Pool): Promise<EventRow[]> {
  const { rows } = await db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY created_at, id`);
  return rows;
}

/** Creates an event; a taken id is a 409. */
export async function createEvent(
  db: pg.Pool,
  event: CreateEventBody & { id: string },
  createdBy: string,
): Promise<EventRow> {
  const start = normaliseTime(event.start_time);
  const end = normaliseTime(event.end_time);
  assertTimesInOrder(start, end);
  try {
    const { rows } = await db.query<EventRow>(
      `INSERT INTO events (id, title, description, location, start_time, end_time, capacity, created_by, time_zone, gates)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${EVENT_COLUMNS}`,
      [
        event.id,
        event.title,
        event.description ?? null,
        event.location ?? null,
        start ?? null,
        end ?? null,
        event.capacity ?? null,
        createdBy,
        event.time_zone ?? null,
        gatesOf(event.gates),
      ],
    );
    return rows[0] as EventRow;
  } catch (error) {
    if (isUniqueViolation(error)) throw httpErrors.conflict('Event already exists', { event_id: event.id });
    throw asClientError(error);
  }
}

const UPDATABLE = [
  'title',
  'description',
  'location',
  'start_time',
  'end_time',
  'capacity',
  'time_zone',
  'gates',
] as const;

/** Gate names as stored: trimmed; none (null) for an empty list. */
function gatesOf(gates: string[] | null | undefined): string[] | null {
  const names = (gates ?? []).map((gate) => gate.trim());
  return names.length > 0 ? names : null;
}

/** Applies the fields present in `changes` (null clears an optional field); 404 when missing. */
export async function updateEvent(db: pg.Pool, id: string, changes: UpdateEventBody): Promise<EventRow> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows: locked } = await client.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const current = locked[0];
    if (!current) throw httpErrors.notFound(EVENT_NOT_FOUND);
    const next = { ...current };
    for (const field of UPDATABLE) {
      const value = changes[field];
      if (value === undefined) continue;
      (next as Record<string, unknown>)[field] =
        field === 'start_time' || field === 'end_time'
          ? normaliseTime(value as string | null)
          : field === 'gates'
            ? gatesOf(value as string[] | null)
            : value;
    }
    assertTimesInOrder(next.start_time, next.end_time);
    const { rows } = await client.query<EventRow>(
      `UPDATE events SET title = $2, description = $3, location = $4, start_time = $5, end_time = $6, capacity = $7,
         time_zone = $8, gates = $9
       WHERE id = $1 RETURNING ${EVENT_COLUMNS}`,
      [
        id,
        next.title,
        next.description,
        next.location,
        next.start_time,
        next.end_time,
        next.capacity,
        next.time_zone,
        next.gates,
      ],
    );
    await client.query('COMMIT');
    return rows[0] as EventRow;
  } catch (error) {
    await client.query('ROLLBACK');
    throw asClientError(error);
  } finally {
    client.release();
  }
}

/**
 * Deletes an event, its tickets and its check-in conflicts. With check-ins it is refused (409)
 * unless `force`, which deletes the check-ins and their counts too.
 */
export async function deleteEvent(db: pg.Pool, id: string, force: boolean): Promise<void> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rowCount } = await client.query('SELECT 1 FROM events WHERE id = $1 FOR UPDATE', [id]);
    if (rowCount === 0) throw httpErrors.notFound(EVENT_NOT_FOUND);
    if (force) {
      await client.query('DELETE FROM checkins WHERE event_id = $1', [id]);
      await client.query('DELETE FROM event_checkin_counts WHERE event_id = $1', [id]);
    } else {
      const total = await countCheckins(client, id);
      if (total > 0) {
        throw httpErrors.conflict('Event has check-ins; add ?force=true to delete it with them', {
          total_checked_in: total,
        });
      }
    }
    await client.query('DELETE FROM tickets WHERE event_id = $1', [id]);
    await client.query('DELETE FROM checkin_conflicts WHERE event_id = $1', [id]);
    await client.query('DELETE FROM events WHERE id = $1', [id]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
