// The dashboard's overview in SQL: every event with its check-in count, from the counter shards in one statement.
import type pg from 'pg';
import type { Registrations } from './registration-stats.js';

export interface OverviewRow extends Registrations {
  id: string;
  title: string;
  start_time: string | null;
  end_time: string | null;
  location: string | null;
  /** Check-ins so far (int8 as text). */
  checked_in: string;
}

/**
 * Every registered event (in the order of GET /events) with its check-in count: one statement, so
 * one snapshot and one round trip however many events there are. The count sums the event's counter
 * shards (a primary-key range of at most 64 rows), never its check-ins.
 */
export async function readOverview(db: pg.Pool): Promise<OverviewRow[]> {
  const { rows } = await db.query<OverviewRow>({
    name: 'events-overview',
    text: `SELECT e.id, e.title, iso_utc(e.start_time) AS start_time, iso_utc(e.end_time) AS end_time, e.location,
             e.ticket_count, e.capacity, k.checked_in
           FROM events e
           LEFT JOIN LATERAL (
             SELECT coalesce(sum(k.n), 0)::int8 AS checked_in FROM event_checkin_counts k WHERE k.event_id = e.id
           ) k ON true
           ORDER BY e.created_at, e.id`,
  });
  return rows;
}
