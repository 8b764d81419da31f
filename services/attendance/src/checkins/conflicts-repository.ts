// Check-in conflicts in SQL: recording one (once per uploading scan) and paging an event's, newest first.
import type { CheckinConflict, CheckinRecord, ConflictKind } from '@tixgo/contracts';
import type pg from 'pg';

export interface ConflictInput {
  eventId: string;
  ticketId: string;
  kind: ConflictKind;
  /** The check-in that counts; null when the ticket was never issued. */
  first: CheckinRecord | null;
  /** The scan admitted offline that came second: who, where, when the device scanned it, its key. */
  secondBy: string;
  secondLocation: string | null;
  secondScannedAt: string | null;
  secondKey: string | undefined;
}

/**
 * Records a conflict unless this scan's is already there: a retried upload (the same user and
 * idempotency key) finds its row and leaves it, with the time it was first received.
 */
export async function recordConflict(db: pg.Pool, conflict: ConflictInput): Promise<void> {
  const { first } = conflict;
  await db.query({
    name: 'record-conflict',
    text: `INSERT INTO checkin_conflicts (event_id, ticket_id, kind, first_checkin_id, first_by, first_location,
             first_checked_in_at, first_scanned_at, second_by, second_location, second_scanned_at, second_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (event_id, ticket_id, second_by, second_key) DO NOTHING`,
    values: [
      conflict.eventId,
      conflict.ticketId,
      conflict.kind,
      first?.checkin_id ?? null,
      first?.checked_in_by ?? null,
      first?.location ?? null,
      first?.checked_in_at ?? null,
      first?.scanned_at ?? null,
      conflict.secondBy,
      conflict.secondLocation,
      conflict.secondScannedAt,
      // '' stands for "no key": one conflict per user and ticket for scans that came without one.
      conflict.secondKey ?? '',
    ],
  });
}

export interface ListConflictInput {
  eventId: string;
  ticketId: string;
  kind: ConflictKind;
  /** null for `main`. */
  listId: string | null;
  /** The admission that counts (of `main` or of the list), copied into the conflict as it is; null when none. */
  firstCheckinId: string | null;
  secondBy: string;
  secondLocation: string | null;
  secondScannedAt: string | null;
  secondKey: string | undefined;
}

/** Records a conflict of a gate rule (issue 16), in the scan's own transaction; once per uploading scan. */
export async function recordConflictWith(db: pg.Pool | pg.PoolClient, conflict: ListConflictInput): Promise<void> {
  await db.query({
    name: 'record-list-conflict',
    text: `INSERT INTO checkin_conflicts (event_id, ticket_id, kind, list_id, first_checkin_id, first_by, first_location,
             first_checked_in_at, first_scanned_at, second_by, second_location, second_scanned_at, second_key)
           SELECT $1, $2, $3, $4, f.checkin_id, f.by, f.location, f.at, f.scanned_at, $6, $7, $8, $9
           FROM (SELECT 1) one
           LEFT JOIN LATERAL (
             SELECT * FROM (
               SELECT c.checkin_id, c.checked_in_by AS by, c.location, c.checked_in_at AS at, c.scanned_at
               FROM checkins c WHERE c.event_id = $1 AND c.ticket_id = $2 AND c.checkin_id = $5::uuid
               UNION ALL
               SELECT h.checkin_id, h.by, h.location, h.at, h.scanned_at
               FROM scan_history h WHERE h.checkin_id = $5::uuid AND h.action = 'entry'
             ) x LIMIT 1
           ) f ON true
           ON CONFLICT (event_id, ticket_id, second_by, second_key) DO NOTHING`,
    values: [
      conflict.eventId,
      conflict.ticketId,
      conflict.kind,
      conflict.listId,
      conflict.firstCheckinId,
      conflict.secondBy,
      conflict.secondLocation,
      conflict.secondScannedAt,
      conflict.secondKey ?? '',
    ],
  });
}

/**
 * Resolves a conflict (issue 16): 'kept' leaves the admission, 'annulled' is said once the caller annulled
 * it; either marks it handled (the first mark and the first resolution stay).
 */
export async function resolveConflict(
  db: pg.Pool,
  eventId: string,
  conflictId: string,
  by: string,
  resolution: 'kept' | 'annulled',
): Promise<CheckinConflict | undefined> {
  const { rows } = await db.query<ConflictRow>({
    name: 'resolve-conflict',
    text: `WITH k AS (
             UPDATE checkin_conflicts SET handled_at = coalesce(handled_at, now()), handled_by = coalesce(handled_by, $3),
               resolution = coalesce(resolution, $4)
             WHERE event_id = $1 AND id = $2::int8 RETURNING *
           )
           SELECT ${CONFLICT_COLUMNS} FROM k
           LEFT JOIN tickets t ON t.event_id = k.event_id AND t.ticket_id = k.ticket_id`,
    values: [eventId, conflictId, by, resolution],
  });
  return rows[0] && toConflict(rows[0]);
}

/** The admission a conflict is about (to annul on "annul"); undefined when the event has no such conflict. */
export async function conflictAdmission(
  db: pg.Pool,
  eventId: string,
  conflictId: string,
): Promise<{ firstCheckinId: string | null } | undefined> {
  const { rows } = await db.query<{ first_checkin_id: string | null }>({
    name: 'conflict-admission',
    text: 'SELECT first_checkin_id::text AS first_checkin_id FROM checkin_conflicts WHERE event_id = $1 AND id = $2::int8',
    values: [eventId, conflictId],
  });
  return rows[0] && { firstCheckinId: rows[0].first_checkin_id };
}

interface ConflictRow {
  id: string;
  kind: ConflictKind;
  event_id: string;
  ticket_id: string;
  holder_name: string | null;
  first_checkin_id: string | null;
  first_by: string | null;
  first_location: string | null;
  first_checked_in_at: string | null;
  first_scanned_at: string | null;
  second_by: string;
  second_location: string | null;
  second_scanned_at: string | null;
  second_received_at: string;
  second_key: string;
  handled_by: string | null;
  handled_at: string | null;
  list_id: string | null;
  resolution: 'kept' | 'annulled' | null;
}

function toConflict(row: ConflictRow): CheckinConflict {
  return {
    conflict_id: row.id,
    kind: row.kind,
    event_id: row.event_id,
    ticket_id: row.ticket_id,
    holder_name: row.holder_name,
    first:
      row.first_checkin_id === null
        ? null
        : {
            checkin_id: row.first_checkin_id,
            checked_in_by: row.first_by as string,
            location: row.first_location,
            checked_in_at: row.first_checked_in_at as string,
            scanned_at: row.first_scanned_at,
          },
    second: {
      checked_in_by: row.second_by,
      location: row.second_location,
      scanned_at: row.second_scanned_at,
      received_at: row.second_received_at,
      idempotency_key: row.second_key === '' ? null : row.second_key,
    },
    // Only once handled: an open conflict answers as before.
    ...(row.handled_at !== null && { handled: { by: row.handled_by as string, at: row.handled_at } }),
    ...(row.list_id !== null && { list_id: row.list_id }),
    ...(row.resolution !== null && { resolution: row.resolution }),
  };
}

const CONFLICT_COLUMNS = `k.id, k.kind, k.event_id, k.ticket_id, t.holder_name,
  k.first_checkin_id::text AS first_checkin_id, k.first_by, k.first_location,
  iso_utc(k.first_checked_in_at) AS first_checked_in_at, iso_utc(k.first_scanned_at) AS first_scanned_at,
  k.second_by, k.second_location, iso_utc(k.second_scanned_at) AS second_scanned_at,
  iso_utc(k.second_received_at) AS second_received_at, k.second_key, k.handled_by, iso_utc(k.handled_at) AS handled_at,
  k.list_id, k.resolution`;

/**
 * Marks a conflict handled by `by` (the first mark stays: marking again changes nothing); undefined
 * when the event has no such conflict.
 */
export async function markConflictHandled(
  db: pg.Pool,
  eventId: string,
  conflictId: string,
  by: string,
): Promise<CheckinConflict | undefined> {
  const { rows } = await db.query<ConflictRow>({
    name: 'mark-conflict-handled',
    text: `WITH k AS (
             UPDATE checkin_conflicts SET handled_at = coalesce(handled_at, now()), handled_by = coalesce(handled_by, $3)
             WHERE event_id = $1 AND id = $2::int8 RETURNING *
           )
           SELECT ${CONFLICT_COLUMNS} FROM k
           LEFT JOIN tickets t ON t.event_id = k.event_id AND t.ticket_id = k.ticket_id`,
    values: [eventId, conflictId, by],
  });
  return rows[0] && toConflict(rows[0]);
}

/** Before any conflict id: the first page of a newest-first listing. */
export const NEWEST = '9223372036854775807';

/**
 * An event's conflicts with ids below `beforeId` (keyset, newest first), at most `limit`, with the
 * ticket's holder as the event lists it now, and the event's total in the same snapshot.
 */
export async function readConflicts(
  db: pg.Pool,
  eventId: string,
  beforeId: string,
  limit: number,
): Promise<{ total: number; conflicts: CheckinConflict[] }> {
  const { rows } = await db.query<ConflictRow & { total: string }>({
    name: 'read-conflicts',
    text: `SELECT n.total, k.* FROM
             (SELECT count(*)::int8 AS total FROM checkin_conflicts WHERE event_id = $1) n
           LEFT JOIN LATERAL (
             SELECT ${CONFLICT_COLUMNS}
             FROM checkin_conflicts k
             LEFT JOIN tickets t ON t.event_id = k.event_id AND t.ticket_id = k.ticket_id
             WHERE k.event_id = $1 AND k.id < $2::int8
             ORDER BY k.id DESC LIMIT $3
           ) k ON true
           ORDER BY k.id DESC`,
    values: [eventId, beforeId, limit],
  });
  const total = Number(rows[0]?.total ?? 0);
  // The outer join yields one all-null row when there is nothing before beforeId.
  if (rows[0]?.id === null) return { total, conflicts: [] };
  return { total, conflicts: rows.map(toConflict) };
}
