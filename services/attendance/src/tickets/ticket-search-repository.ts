// Manual lookup at the gate in SQL: an event's tickets whose code or holder name contains a string, with their check-in state.
import type { TicketSearchHit } from '@tixgo/contracts';
import type pg from 'pg';
import { withBitmapScans } from '../attendance-database.js';
import { containsPattern } from '../like-pattern.js';

/**
 * At most `limit` tickets of the event whose code or holder name contains `text`
 * (case-insensitively), an exact code first, then by holder name and code. The candidates come from
 * the trigram index (tickets_search_idx); only the ones shown are joined to their check-ins.
 */
export async function searchTickets(
  db: pg.Pool,
  eventId: string,
  text: string,
  limit: number,
): Promise<TicketSearchHit[]> {
  return withBitmapScans(db, async (client) => {
    const { rows } = await client.query<TicketSearchHit>({
      name: 'search-tickets',
      text: `WITH matched AS MATERIALIZED (
               SELECT t.ticket_id, t.holder_name, t.holder_email FROM tickets t
               WHERE t.event_id = $1 AND (t.ticket_id ILIKE $2 OR t.holder_name ILIKE $2)
             ), shown AS (
               SELECT *, lower(ticket_id) = lower($3) AS exact FROM matched
               ORDER BY exact DESC, holder_name NULLS LAST, ticket_id LIMIT $4
             )
             SELECT m.ticket_id, m.holder_name, m.holder_email, c.checkin_id IS NOT NULL AS checked_in,
               iso_utc(c.checked_in_at) AS checked_in_at, c.checked_in_by, c.location, c.checkin_id::text AS checkin_id,
               c.exited_at IS NOT NULL AS exited
             FROM shown m
             LEFT JOIN LATERAL (
               SELECT * FROM checkins c WHERE c.event_id = $1 AND c.ticket_id = m.ticket_id
             ) c ON true
             ORDER BY m.exact DESC, m.holder_name NULLS LAST, m.ticket_id`,
      values: [eventId, containsPattern(text), text, limit],
    });
    return rows;
  });
}
