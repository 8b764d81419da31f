// The offline download in SQL: an event's tickets and check-ins after a position, and the counts that check a device's copy.
import type pg from 'pg';

/**
 * A check-in statement lasts milliseconds; one that started this long ago and has still not committed
 * means PostgreSQL is stalled. Check-ins younger than this may still be joined by a concurrent one
 * that drew a lower position and commits later, so the download's position stops before them (they
 * come again in the next answer, and the count check below catches even a stalled one).
 */
export const SETTLE_SECONDS = 5;

export interface DownloadFacts {
  /** The event's creation time in microseconds: tells a deleted and re-created event from the one downloaded. */
  createdUs: string;
  ticketCount: number;
  checkinsTotal: number;
  /** Check-ins after position `afterSeq` (null when afterSeq is 0: then all of them are). */
  checkinsAfter: number | null;
}

/** What the download needs to know of an event, in one snapshot; undefined when it is not registered. */
export async function readDownloadFacts(
  db: pg.Pool,
  eventId: string,
  afterSeq: string,
): Promise<DownloadFacts | undefined> {
  const { rows } = await db.query<{
    created_us: string;
    ticket_count: number;
    checkins_total: string;
    checkins_after: string | null;
  }>({
    name: 'offline-download-facts',
    text: `SELECT (extract(epoch FROM e.created_at) * 1000000)::int8 AS created_us, e.ticket_count,
             (SELECT coalesce(sum(n), 0) FROM event_checkin_counts k WHERE k.event_id = e.id)::int8 AS checkins_total,
             CASE WHEN $2::int8 = 0 THEN NULL
               ELSE (SELECT count(*) FROM checkins c WHERE c.event_id = e.id AND c.seq > $2::int8) END AS checkins_after
           FROM events e WHERE e.id = $1`,
    values: [eventId, afterSeq],
  });
  const row = rows[0];
  if (!row) return undefined;
  return {
    createdUs: row.created_us,
    ticketCount: row.ticket_count,
    checkinsTotal: Number(row.checkins_total),
    checkinsAfter: row.checkins_after === null ? null : Number(row.checkins_after),
  };
}

export interface DownloadTicketRow {
  seq: string;
  ticket_id: string;
  holder_name: string | null;
  type: string | null;
  /** Set on a cancelled ticket (issue 16): the reason (never empty). */
  cancel_reason: string | null;
  /** An attention ticket's note for the gate (issue 17): its type's note and its own, joined by " · ". */
  note: string | null;
}

/** Tickets issued after position `afterSeq`, in issue order, at most `limit` (keyset, never OFFSET). */
export async function readTicketsAfter(
  db: pg.Pool,
  eventId: string,
  afterSeq: string,
  limit: number,
): Promise<DownloadTicketRow[]> {
  const { rows } = await db.query<DownloadTicketRow>({
    name: 'offline-tickets-after',
    // The note the gate sees: the type's (issue 17 item 9) and the ticket's own, both when both are set.
    text: `SELECT t.seq, t.ticket_id, t.holder_name, t.type,
             CASE WHEN t.cancelled_at IS NULL THEN NULL ELSE coalesce(t.cancel_reason, '-') END AS cancel_reason,
             nullif(concat_ws(' · ', n.note, t.note), '') AS note
           FROM tickets t
           LEFT JOIN ticket_type_notes n ON n.event_id = t.event_id AND n.type = t.type
           WHERE t.event_id = $1 AND t.seq > $2::int8 ORDER BY t.seq LIMIT $3`,
    values: [eventId, afterSeq, limit],
  });
  return rows;
}

export interface DownloadCheckinRow {
  seq: string;
  ticket_id: string;
  /** The device's scan time where it gave one, else the receive time. */
  admitted_at: string;
  checked_in_by: string;
  location: string | null;
  /** Older than SETTLE_SECONDS. */
  settled: boolean;
}

/** Check-ins after position `afterSeq`, oldest first, at most `limit` (keyset, never OFFSET). */
export async function readCheckinsAfter(
  db: pg.Pool,
  eventId: string,
  afterSeq: string,
  limit: number,
): Promise<DownloadCheckinRow[]> {
  const { rows } = await db.query<DownloadCheckinRow>({
    name: 'offline-checkins-after',
    text: `SELECT c.seq, c.ticket_id, iso_utc(coalesce(c.scanned_at, c.checked_in_at)) AS admitted_at,
             c.checked_in_by, c.location,
             c.checked_in_at < now() - make_interval(secs => ${SETTLE_SECONDS}) AS settled
           FROM checkins c WHERE c.event_id = $1 AND c.seq > $2::int8 ORDER BY c.seq LIMIT $3`,
    values: [eventId, afterSeq, limit],
  });
  return rows;
}
